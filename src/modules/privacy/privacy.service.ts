/**
 * The right of access and the right to erasure (docs/privacy.md). The service
 * owns no personal data itself: every module says what it holds about a person
 * and how it is erased (`personalData` in its descriptor), and this service
 * runs those contributions in one transaction, records the CUSTOMER_ERASED
 * event and writes the audit log.
 */
import type { DataSource, EntityManager } from 'typeorm';
import { inTransaction } from '../../db/transaction';
import { pageFromQuery, type Ordering } from '../../db/keyset';
import type { Clock } from '../../shared/clock';
import { badInput, customerErased, notFound } from '../../shared/errors';
import { fromGlobalId, toGlobalId } from '../../shared/global-id';
import type { Logger } from '../../shared/logger';
import type { Page, PageRequest } from '../../shared/pagination';
import { Customer } from '../customers/customer.entity';
import { lockCustomer } from '../customers/customer.lock';
import { CustomerEventType } from '../events/event-types';
import { recordEvents } from '../events/outbox';
import type { NamedPersonalData } from '../module';
import { PrivacyAction, PrivacyAuditEntry } from './privacy-audit.entity';

/** Who asks: an API key (its id and role), or someone on the server's command line. */
export interface PrivacyActor {
  apiKeyId: string | null;
  role: string | null;
  /** Shown when there is no key, e.g. `cli:alice`. */
  name: string;
}

export const MAX_REASON_LENGTH = 1000;

export interface ErasureResult {
  customer: Customer;
  /** True when the touched tables were vacuumed after the commit (see docs/privacy.md). */
  vacuumed: boolean;
}

/** Newest first. */
const AUDIT_ORDER: Ordering = { name: 'NEWEST_FIRST', keys: ['x.id'], types: ['bigint'], direction: 'DESC' };

export class PrivacyService {
  constructor(
    private readonly ds: DataSource,
    private readonly clock: Clock,
    private readonly contributions: readonly NamedPersonalData[],
    private readonly log?: Logger,
  ) {}

  /** The tables an erasure rewrites, for VACUUM: every contribution's `erasesIn`. */
  get erasedTables(): string[] {
    return [...new Set(this.contributions.flatMap((c) => c.erasesIn ?? []))];
  }

  /**
   * One JSON document with everything held about the customer (any customer,
   * erased ones included: theirs shows what is left), from one snapshot, and
   * an EXPORT entry in the audit log.
   */
  async exportCustomer(
    globalId: string,
    actor: PrivacyActor,
    reason: string | null = null,
    fields = { customerId: 'customerId', reason: 'reason' },
  ): Promise<Record<string, unknown>> {
    const field = fields.customerId;
    const id = fromGlobalId(globalId, 'Customer', field);
    const why = this.checkReason(reason, fields.reason, false);
    // REPEATABLE READ: every section is read from the same snapshot.
    return this.ds.transaction('REPEATABLE READ', async (em) => {
      const customer = await em.getRepository(Customer).findOneBy({ id });
      if (!customer) throw notFound('customer', globalId, field);
      if (why) this.assertReasonIsNotPersonal(why, customer, fields.reason);
      const document: Record<string, unknown> = { customerId: toGlobalId('Customer', id), exportedAt: this.clock.now().toISOString() };
      for (const c of this.contributions) {
        const sections = await c.export(em, id);
        for (const [name, value] of Object.entries(sections)) {
          if (name in document) throw new Error(`Privacy export: module ${c.module} repeats the section "${name}".`);
          document[name] = value;
        }
      }
      const counts = Object.fromEntries(Object.entries(document).flatMap(([k, v]) => (Array.isArray(v) ? [[k, v.length]] : [])));
      await this.audit(em, PrivacyAction.EXPORT, id, actor, why, { sections: counts });
      // Dates as ISO strings: the document is exactly what JSON will carry.
      return JSON.parse(JSON.stringify(document)) as Record<string, unknown>;
    });
  }

  /**
   * Erases the customer in one transaction (docs/privacy.md, "What erasure
   * removes and keeps"): every module's personal data goes, the customer row
   * stays as a tombstone, their retained events are scrubbed, CUSTOMER_ERASED
   * tells partners, and the audit log says who and why. Then, outside the
   * transaction, the touched tables are vacuumed so the old row versions go too.
   */
  async eraseCustomer(
    globalId: string,
    reason: string,
    actor: PrivacyActor,
    fields = { customerId: 'input.customerId', reason: 'input.reason' },
  ): Promise<ErasureResult> {
    const field = fields.customerId;
    const reasonField = fields.reason;
    const id = fromGlobalId(globalId, 'Customer', field);
    const why = this.checkReason(reason, reasonField, true)!;
    const customer = await inTransaction(this.ds, async (em) => {
      const before = await lockCustomer(em, id, field, 'include');
      if (before.erasedAt) throw customerErased(toGlobalId('Customer', id), field);
      this.assertReasonIsNotPersonal(why, before, reasonField);
      const at = this.clock.now();
      for (const c of this.contributions) await c.erase?.(em, id, at);
      await recordEvents(em, [{ type: CustomerEventType.CUSTOMER_ERASED, customerId: id, occurredAt: at, payload: {} }]);
      await this.audit(em, PrivacyAction.ERASE, id, actor, why, {});
      return em.getRepository(Customer).findOneByOrFail({ id });
    });
    return { customer, vacuumed: await this.vacuum() };
  }

  /** The audit log, newest first. */
  auditLog(em: EntityManager, req: PageRequest): Promise<Page<PrivacyAuditEntry>> {
    return pageFromQuery(em.getRepository(PrivacyAuditEntry).createQueryBuilder('x'), AUDIT_ORDER, req);
  }

  private checkReason(reason: string | null | undefined, field: string, required: boolean): string | null {
    const text = reason?.trim() ?? '';
    if (!text) {
      if (required) throw badInput(field, 'Give the reason for the erasure (e.g. "Request by the data subject, ticket 4711").');
      return null;
    }
    if (text.length > MAX_REASON_LENGTH) throw badInput(field, `reason must be at most ${MAX_REASON_LENGTH} characters.`);
    return text;
  }

  /** The audit log outlives an erasure, so no reason in it may carry the customer's personal data. */
  private assertReasonIsNotPersonal(reason: string, customer: Customer, field: string): void {
    const lower = reason.toLowerCase();
    const leaked = [customer.name, customer.email, customer.phone, customer.externalId].some(
      (v) => v != null && v.trim().length >= 3 && lower.includes(v.trim().toLowerCase()),
    );
    if (leaked) {
      throw badInput(
        field,
        "reason must not contain the customer's name, email, phone or external id: the audit log keeps it after the erasure. Refer to the request instead (e.g. a ticket number).",
      );
    }
  }

  private async audit(
    em: EntityManager,
    action: PrivacyAction,
    customerId: string,
    actor: PrivacyActor,
    reason: string | null,
    detail: Record<string, unknown>,
  ): Promise<void> {
    // The key's prefix and label as they are now, copied: the entry must read the same after the key is revoked or relabelled.
    await em.query(
      `INSERT INTO privacy_audit (action, customer_id, api_key_id, actor, actor_role, reason, detail, occurred_at)
       VALUES ($1, $2, $3, COALESCE((SELECT 'key ' || prefix || ' (' || label || ')' FROM api_key WHERE id = $3::bigint), $4), $5, $6, $7, $8)`,
      [action, customerId, actor.apiKeyId, actor.name, actor.role, reason, JSON.stringify(detail), this.clock.now()],
    );
  }

  /**
   * VACUUM the tables an erasure rewrote, so the old row versions that still
   * hold the erased values are removed from the tables and their indexes.
   * VACUUM cannot run inside a transaction, so it runs after the commit;
   * best-effort: a failure is logged and reported, the erasure stands (the
   * next autovacuum removes them). Row versions an older open transaction
   * can still see are kept until it ends.
   */
  private async vacuum(): Promise<boolean> {
    const tables = this.erasedTables;
    if (tables.length === 0) return true;
    try {
      await this.ds.query(`VACUUM ${tables.map((t) => `"${t}"`).join(', ')}`);
      return true;
    } catch (err) {
      this.log?.warn('privacy: vacuum after erasure failed; autovacuum will remove the old row versions', {
        tables,
        error: err instanceof Error ? err.message : String(err),
      });
      return false;
    }
  }
}
