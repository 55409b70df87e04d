import type { DataSource } from 'typeorm';
import type { Logger } from '../../shared/logger';

/** Seeds demo data when the database has no customers. Filled in by the seed module. */
export async function seedIfEmpty(ds: DataSource, customers: number, log: Logger): Promise<void> {
  void ds;
  void customers;
  void log;
}
