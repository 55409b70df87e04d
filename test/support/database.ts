/**
 * A fresh database per test file, cloned from the migrated template, plus a
 * DataSource on it that counts the SQL statements it sends.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import { createDataSource } from '../../src/db/data-source';
import { INFRA_SQL_TAG } from '../../src/modules/auth/api-key.service';
import { TEMPLATE_DB } from './db-constants';

export function adminUrl(): string {
  const url = process.env.CG_TEST_ADMIN_URL;
  if (!url) throw new Error('CG_TEST_ADMIN_URL is not set: run integration tests through jest (global setup starts PostgreSQL).');
  return url;
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** Clones the template into a new database with a random name. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `cg_test_${randomBytes(6).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DB}`));
  return {
    name,
    url: withDatabase(adminUrl(), name),
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

/** Counts SQL statements sent through a DataSource. */
export class StatementCounter {
  statements: string[] = [];
  readonly onQuery = (sql: string) => {
    // Per-request authentication and rate limiting are the same for every operation: not the operation's cost.
    if (sql.startsWith(INFRA_SQL_TAG)) return;
    this.statements.push(sql);
  };
  reset(): void {
    this.statements = [];
  }
  get count(): number {
    return this.statements.filter((s) => !/^(START TRANSACTION|COMMIT|ROLLBACK|BEGIN)/i.test(s.trim())).length;
  }
}

/** `poolSize: 1` serialises every statement, which makes DataLoader batching (and so statement counts) deterministic. */
export async function openDataSource(url: string, counter?: StatementCounter, poolSize = 10): Promise<DataSource> {
  const ds = createDataSource({ url, onQuery: counter?.onQuery, poolSize });
  await ds.initialize();
  return ds;
}
