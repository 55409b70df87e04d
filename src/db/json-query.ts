/**
 * Runs a statement that returns one text value (the compiled reads' JSON) on
 * the DataSource's own pool, bypassing TypeORM's row mapping: the text is
 * handed over as PostgreSQL wrote it. Statement loggers (tests count
 * statements) still see it.
 */
import type pg from 'pg';
import type { DataSource } from 'typeorm';

export async function queryText(ds: DataSource, sql: string, params: unknown[]): Promise<string> {
  if (ds.options.logging) ds.logger.logQuery(sql, params);
  const pool = (ds.driver as unknown as { master: pg.Pool }).master;
  const result = await pool.query<[string]>({ text: sql, values: params, rowMode: 'array' });
  return result.rows[0][0];
}
