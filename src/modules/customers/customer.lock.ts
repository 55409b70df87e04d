/**
 * The one rule for locking customers: every writer that changes a customer, or
 * records events about one, locks the customer rows first (FOR UPDATE, in one
 * statement, in id order), before its first outbox event. Id order means two
 * writers locking overlapping sets cannot deadlock; locks before events keeps
 * the outbox counter lock short (see events/outbox.ts).
 */
import type { EntityManager, QueryRunner } from 'typeorm';
import { customerErased, notFound } from '../../shared/errors';
import { toGlobalId } from '../../shared/global-id';
import type { LifecycleStage } from '../lifecycle/stages';
import { Customer } from './customer.entity';

/** Customers each open transaction holds locked (or created), by its query runner. */
const held = new WeakMap<QueryRunner, Set<string>>();

function hold(em: EntityManager, ids: Iterable<string>): void {
  const runner = em.queryRunner;
  if (!runner) return;
  const set = held.get(runner) ?? new Set<string>();
  for (const id of ids) set.add(String(id));
  held.set(runner, set);
}

/** Records that the caller's transaction created these customers: their new rows are its own until it commits. */
export function holdNewCustomers(em: EntityManager, ids: Iterable<string>): void {
  hold(em, ids);
}

/**
 * The outbox rule, enforced: throws unless `em` is a transaction that locked
 * (or created) every one of these customers. Called by recordEvents, so a
 * writer that forgets to lock first fails in its first test run.
 */
export function assertCustomersHeld(em: EntityManager, ids: Iterable<string>): void {
  const set = em.queryRunner?.isTransactionActive ? held.get(em.queryRunner) : undefined;
  const missing = [...new Set(ids)].filter((id) => !set?.has(String(id)));
  if (missing.length) {
    throw new Error(
      `Outbox rule: lock customers ${missing.join(', ')} with lockCustomers in this transaction before recording their events.`,
    );
  }
}

/**
 * What a lock does with an erased customer (a tombstone, see Customer.erasedAt):
 * `refuse` (the default, for every writer acting on a customer's behalf) throws
 * CUSTOMER_ERASED; `skip` leaves erased customers out (automatic rules over
 * many customers); `include` returns them (the privacy service).
 */
export type ErasedCustomers = 'refuse' | 'skip' | 'include';

/**
 * Locks the customers with these ids (duplicates allowed) for the rest of the
 * caller's transaction and returns those that exist, in id order. With
 * `stageIn`, only customers in one of those stages are locked and returned.
 * An erased customer is refused unless `erased` says otherwise; `fieldOf`
 * names the input a refused id came from.
 * Merged profiles (tombstones) count as not existing: nothing may be written
 * to them. Only merge and unmerge pass `includeMerged`.
 */
export async function lockCustomers(
  em: EntityManager,
  ids: Iterable<string>,
  options: {
    stageIn?: readonly LifecycleStage[];
    erased?: ErasedCustomers;
    fieldOf?: (id: string) => string | undefined;
    includeMerged?: boolean;
  } = {},
): Promise<Customer[]> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return [];
  const erased = options.erased ?? 'refuse';
  const qb = em.getRepository(Customer).createQueryBuilder('c').setLock('pessimistic_write').where('c.id = ANY(:ids)', { ids: unique });
  if (!options.includeMerged) qb.andWhere('c.merged_into IS NULL');
  if (options.stageIn) qb.andWhere('c.stage IN (:...stages)', { stages: [...options.stageIn] });
  if (erased === 'skip') qb.andWhere('c.erased_at IS NULL');
  const customers = await qb.orderBy('c.id').getMany();
  if (erased === 'refuse') {
    const gone = customers.find((c) => c.erasedAt !== null);
    if (gone) throw customerErased(toGlobalId('Customer', gone.id), options.fieldOf?.(gone.id));
  }
  hold(
    em,
    customers.map((c) => c.id),
  );
  return customers;
}

/** Locks one customer like lockCustomers; NOT_FOUND naming `field` if it does not exist, CUSTOMER_ERASED if it was erased. */
export async function lockCustomer(em: EntityManager, id: string, field: string, erased: ErasedCustomers = 'refuse'): Promise<Customer> {
  const [customer] = await lockCustomers(em, [id], { erased, fieldOf: () => field });
  // Name the customer by the ID the client sent, not our row number.
  if (!customer) throw notFound('customer', toGlobalId('Customer', id), field);
  return customer;
}
