/**
 * The one rule for locking customers: every writer that changes a customer, or
 * records events about one, locks the customer rows first (FOR UPDATE, in one
 * statement, in id order), before its first outbox event. Id order means two
 * writers locking overlapping sets cannot deadlock; locks before events keeps
 * the outbox counter lock short (see events/outbox.ts).
 */
import type { EntityManager } from 'typeorm';
import { notFound } from '../../shared/errors';
import { toGlobalId } from '../../shared/global-id';
import type { LifecycleStage } from '../lifecycle/stages';
import { Customer } from './customer.entity';

/**
 * Locks the customers with these ids (duplicates allowed) for the rest of the
 * caller's transaction and returns those that exist, in id order. With
 * `stageIn`, only customers in one of those stages are locked and returned.
 */
export async function lockCustomers(
  em: EntityManager,
  ids: Iterable<string>,
  options: { stageIn?: readonly LifecycleStage[] } = {},
): Promise<Customer[]> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return [];
  const qb = em.getRepository(Customer).createQueryBuilder('c').setLock('pessimistic_write').where('c.id IN (:...ids)', { ids: unique });
  if (options.stageIn) qb.andWhere('c.stage IN (:...stages)', { stages: [...options.stageIn] });
  return qb.orderBy('c.id').getMany();
}

/** Locks one customer like lockCustomers; NOT_FOUND naming `field` if it does not exist. */
export async function lockCustomer(em: EntityManager, id: string, field: string): Promise<Customer> {
  const [customer] = await lockCustomers(em, [id]);
  // Name the customer by the ID the client sent, not our row number.
  if (!customer) throw notFound('customer', toGlobalId('Customer', id), field);
  return customer;
}
