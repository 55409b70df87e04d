/**
 * The customer row's part of the right of access and the right to erasure
 * (docs/privacy.md). Erasure turns the row into a tombstone: the id, stage,
 * persona and dates stay (every other table's rows hang off it, and the models
 * count it), the personal fields go. The row CHECK `customer_erased_is_empty`
 * makes that a database guarantee.
 */
import type { EntityManager } from 'typeorm';
import { toGlobalId } from '../../shared/global-id';
import type { PersonalDataContribution } from '../module';
import { Persona } from '../personas/persona.entity';
import { Customer } from './customer.entity';

export const customerPersonalData: PersonalDataContribution = {
  async export(em: EntityManager, customerId: string) {
    const c = await em.getRepository(Customer).findOneByOrFail({ id: customerId });
    const persona = c.personaId ? await em.getRepository(Persona).findOneBy({ id: c.personaId }) : null;
    return {
      profile: {
        id: toGlobalId('Customer', c.id),
        externalId: c.externalId,
        name: c.name,
        email: c.email,
        phone: c.phone,
        persona: persona ? { id: toGlobalId('Persona', persona.id), name: persona.name } : null,
        stage: c.stage,
        stageEnteredAt: c.stageEnteredAt.toISOString(),
        lastPurchaseAt: c.lastPurchaseAt?.toISOString() ?? null,
        createdAt: c.createdAt.toISOString(),
        updatedAt: c.updatedAt.toISOString(),
        erasedAt: c.erasedAt?.toISOString() ?? null,
      },
    };
  },

  async erase(em: EntityManager, customerId: string, at: Date) {
    await em.query(
      `UPDATE customer SET name = '', email = NULL, phone = NULL, external_id = NULL, erased_at = $2, updated_at = $2 WHERE id = $1`,
      [customerId, at],
    );
  },
  // customer_match_key: the duplicate-detection keys (normalised email, phone digits), which the
  // customer triggers delete in the same statement; customer_search: the name and email the
  // search reads, which the triggers empty. Their old row versions hold them until VACUUM.
  erasesIn: ['customer', 'customer_match_key', 'customer_search'],
};
