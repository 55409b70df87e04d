import type { DataSource, EntityManager } from 'typeorm';

/**
 * Runs `work` in one transaction. If `work` throws, nothing it wrote is kept,
 * which is how every mutation stays all-or-nothing. With `outer` (a caller's
 * EntityManager inside its own transaction) `work` joins that transaction
 * instead, so one transaction can span several services; the caller commits.
 */
export function inTransaction<T>(ds: DataSource, work: (em: EntityManager) => Promise<T>, outer?: EntityManager): Promise<T> {
  if (outer) {
    if (!outer.queryRunner?.isTransactionActive) throw new Error('inTransaction: the EntityManager passed in is not inside a transaction.');
    return work(outer);
  }
  return ds.transaction('READ COMMITTED', work);
}
