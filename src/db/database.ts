/**
 * Resolves where the database lives: DATABASE_URL when given, otherwise an
 * embedded PostgreSQL under DATA_DIR (started here, stopped by `close`).
 */
import type { Config } from '../config';
import type { Logger } from '../shared/logger';
import { startEmbeddedPostgres, type EmbeddedOptions, type EmbeddedServer } from './embedded-postgres';
import pg from 'pg';

export interface DatabaseLocation {
  url: string;
  embedded: EmbeddedServer | null;
  close(): Promise<void>;
}

const APP_DATABASE = 'customer_graph';

export async function resolveDatabase(
  config: Pick<Config, 'databaseUrl' | 'dataDir'> & Partial<Pick<Config, 'embeddedPgDurable'>>,
  log: Logger,
  opts: EmbeddedOptions = {},
): Promise<DatabaseLocation> {
  if (config.databaseUrl) return { url: config.databaseUrl, embedded: null, close: async () => undefined };
  const durable = config.embeddedPgDurable ?? true;
  if (!durable) log.warn('EMBEDDED_PG_DURABLE=off: fsync, synchronous_commit and full_page_writes are off; a crash may lose recent writes');
  const embedded = await startEmbeddedPostgres(config.dataDir, log, { durable, ...opts });
  await ensureDatabase(embedded.url, APP_DATABASE);
  return { url: embedded.urlFor(APP_DATABASE), embedded, close: () => embedded.stop() };
}

/** Creates `name` on the server behind `adminUrl` unless it exists. */
export async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
}
