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

/**
 * Runs `attempt` under a savepoint in `em`'s transaction. When it fails with an error `expected`
 * accepts, its writes are rolled back to the savepoint and `fallback` runs instead; any other error
 * is thrown. For a fast statement that is right in the usual case and a slower one that is right
 * in every case (the failed attempt would otherwise abort the whole transaction).
 */
export async function withFallback<T>(
  em: EntityManager,
  savepoint: string,
  attempt: () => Promise<T>,
  expected: (err: unknown) => boolean,
  fallback: () => Promise<T>,
): Promise<T> {
  await em.query(`SAVEPOINT ${savepoint}`);
  let result: T;
  try {
    result = await attempt();
  } catch (err) {
    if (!expected(err)) throw err;
    await em.query(`ROLLBACK TO SAVEPOINT ${savepoint}`);
    return fallback();
  }
  await em.query(`RELEASE SAVEPOINT ${savepoint}`);
  return result;
}
