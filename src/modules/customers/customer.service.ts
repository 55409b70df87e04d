import type { ChildFilter } from '../../db/keyset';
/**
 * Customer rules and queries. Every write runs in one transaction and records
 * its outbox events there, so a failed mutation leaves nothing behind.
 */
import type { DataSource, EntityManager, SelectQueryBuilder } from 'typeorm';
import { fromGlobalId } from '../../shared/global-id';
import type { Page, PageRequest } from '../../shared/pagination';
import { LifecycleStage } from '../lifecycle/stages';
import { andWhereNumbered, pageFromQuery } from '../../db/keyset';
import { toChildFilter } from '../../db/sql-map';
import { inTransaction } from '../../db/transaction';
import { badInput, conflict, notFound } from '../../shared/errors';
import type { Clock } from '../../shared/clock';
import { isUniqueViolation } from '../../shared/pg-errors';
import { CustomerEventType } from '../events/event-types';
import { recordEvents } from '../events/outbox';
import { recordInitialStage } from '../lifecycle/lifecycle.service';
import { Persona } from '../personas/persona.entity';
import { Customer } from './customer.entity';
import { holdNewCustomers, lockCustomer } from './customer.lock';
import type { CreateCustomerInput, CustomerFilter, CustomerOrder, UpdateCustomerInput } from './customer.inputs';
import { customerListFilter, customerOrdering } from './customer.sql';

const externalIdTaken = (externalId: string | null | undefined) =>
  conflict('input.externalId', `Another customer already has external id "${externalId}".`);

export class CustomerService {
  constructor(
    private readonly ds: DataSource,
    private readonly clock: Clock,
  ) {}

  private async personaIdOrThrow(em: EntityManager, globalId: string, field: string): Promise<string> {
    const id = fromGlobalId(globalId, 'Persona', field);
    if (!(await em.getRepository(Persona).existsBy({ id }))) throw notFound('persona', globalId, field);
    return id;
  }

  private async assertExternalIdFree(em: EntityManager, externalId: string, exceptId?: string): Promise<void> {
    const existing = await em.getRepository(Customer).findOne({ where: { externalId }, select: { id: true } });
    if (existing && existing.id !== exceptId) {
      throw externalIdTaken(externalId);
    }
  }

  async create(input: CreateCustomerInput, outer?: EntityManager): Promise<Customer> {
    return inTransaction(
      this.ds,
      async (em) => {
        const personaId = input.personaId ? await this.personaIdOrThrow(em, input.personaId, 'input.personaId') : null;
        if (input.externalId) await this.assertExternalIdFree(em, input.externalId);
        const now = this.clock.now();
        const repo = em.getRepository(Customer);
        let customer: Customer;
        try {
          customer = await repo.save(
            repo.create({
              name: input.name.trim(),
              email: input.email?.trim() || null,
              phone: input.phone?.trim() || null,
              externalId: input.externalId ?? null,
              personaId,
              stage: input.stage ?? LifecycleStage.IDENTIFIED,
              stageEnteredAt: now,
            }),
          );
        } catch (err) {
          // A concurrent insert can win the race the pre-check lost.
          if (isUniqueViolation(err, 'external_id')) throw externalIdTaken(input.externalId);
          throw err;
        }
        holdNewCustomers(em, [customer.id]);
        await recordInitialStage(em, customer, input.reason ?? null);
        await recordEvents(em, [
          { type: CustomerEventType.CUSTOMER_CREATED, customerId: customer.id, occurredAt: now, payload: { stage: customer.stage } },
        ]);
        return customer;
      },
      outer,
    );
  }

  async update(input: UpdateCustomerInput, outer?: EntityManager): Promise<Customer> {
    const id = fromGlobalId(input.id, 'Customer', 'input.id');
    return inTransaction(
      this.ds,
      async (em) => {
        const customer = await lockCustomer(em, id, 'input.id');
        const changes: Partial<Customer> = {};
        if (input.name !== undefined) {
          if (input.name === null) throw badInput('input.name', 'name cannot be cleared.');
          changes.name = input.name.trim();
        }
        if (input.email !== undefined) changes.email = input.email?.trim() || null;
        if (input.phone !== undefined) changes.phone = input.phone?.trim() || null;
        if (input.externalId !== undefined) {
          if (input.externalId) await this.assertExternalIdFree(em, input.externalId, id);
          changes.externalId = input.externalId ?? null;
        }
        if (input.personaId !== undefined) {
          changes.personaId = input.personaId ? await this.personaIdOrThrow(em, input.personaId, 'input.personaId') : null;
        }
        const changed = Object.keys(changes).filter(
          (k) => (customer as unknown as Record<string, unknown>)[k] !== (changes as Record<string, unknown>)[k],
        );
        if (changed.length === 0) return customer;
        try {
          await em.getRepository(Customer).update({ id }, { ...changes, updatedAt: this.clock.now() });
        } catch (err) {
          if (isUniqueViolation(err, 'external_id')) throw externalIdTaken(input.externalId);
          throw err;
        }
        await recordEvents(em, [
          { type: CustomerEventType.CUSTOMER_UPDATED, customerId: id, occurredAt: this.clock.now(), payload: { fields: changed } },
        ]);
        return (await em.getRepository(Customer).findOneBy({ id }))!;
      },
      outer,
    );
  }

  private filtered(em: EntityManager, filter: CustomerFilter | null | undefined, scope: ChildFilter | null): SelectQueryBuilder<Customer> {
    const qb = em.getRepository(Customer).createQueryBuilder('x');
    // The same conditions the read compiler uses (customer.sql.ts).
    const conditions = toChildFilter(customerListFilter, filter as Record<string, unknown> | null | undefined);
    if (conditions) andWhereNumbered(qb, conditions.sql, conditions.params, '__f');
    if (scope) andWhereNumbered(qb, scope.sql, scope.params, '__s');
    return qb;
  }

  /** A page of customers; `scope` (a partner's, sharing/sharing.scope.ts) keeps only the customers it may see. */
  list(
    em: EntityManager,
    filter: CustomerFilter | null | undefined,
    order: CustomerOrder,
    req: PageRequest,
    scope: ChildFilter | null = null,
  ): Promise<Page<Customer>> {
    return pageFromQuery(this.filtered(em, filter, scope), customerOrdering(order), req);
  }
}
