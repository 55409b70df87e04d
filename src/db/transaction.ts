import type { DataSource, EntityManager } from 'typeorm';

/**
 * Runs `work` in one transaction. If `work` throws, nothing it wrote is kept,
 * which is how every mutation stays all-or-nothing.
 */
export function inTransaction<T>(ds: DataSource, work: (em: EntityManager) => Promise<T>): Promise<T> {
  return ds.transaction('READ COMMITTED', work);
}
