/**
 * Runs a statement that returns one text value (the compiled reads' JSON) on
 * the DataSource's own pool, bypassing TypeORM's row mapping: the text is
 * handed over as PostgreSQL wrote it. Statement loggers (tests count
 * statements, metrics count paths) still see it.
 *
 * The first MAX_PREPARED distinct statements of a process run as named
 * prepared statements: PostgreSQL then plans a compiled read once per
 * connection instead of on every request (planning a customer-360 statement
 * takes longer than running it). Each connection keeps what it prepared, so
 * the number is capped; statements beyond it still run, unprepared.
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { DataSource } from 'typeorm';
import { logCompiledRead } from './observe';

const MAX_PREPARED = 500;
const preparedNames = new Map<string, string>();

function preparedName(sql: string): string | undefined {
  let name = preparedNames.get(sql);
  if (name === undefined && preparedNames.size < MAX_PREPARED) {
    name = `cg_${createHash('sha1').update(sql).digest('hex')}`;
    preparedNames.set(sql, name);
  }
  return name;
}

export async function queryText(ds: DataSource, sql: string, params: unknown[]): Promise<string> {
  logCompiledRead(ds, sql, params);
  const pool = (ds.driver as unknown as { master: pg.Pool }).master;
  const result = await pool.query<[string]>({ name: preparedName(sql), text: sql, values: params, rowMode: 'array' });
  return result.rows[0][0];
}
