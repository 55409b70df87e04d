/**
 * Jest global setup for integration tests: one PostgreSQL for the whole run
 * (DATABASE_URL's server when set, else an embedded one in a temp directory),
 * with a template database migrated once. Each test file clones the template
 * (CREATE DATABASE … TEMPLATE), which takes milliseconds.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createDataSource, migrate } from '../../src/db/data-source';
import { startEmbeddedPostgres } from '../../src/db/embedded-postgres';
import { createLogger } from '../../src/shared/logger';
import { TEMPLATE_DB } from './db-constants';
import { withDatabase } from './database';

export default async function globalSetup(): Promise<void> {
  const log = createLogger((process.env.TEST_LOG_LEVEL as 'debug') ?? 'warn');
  let adminUrl: string;
  let embeddedDir: string | null = null;
  let stop: (() => Promise<void>) | null = null;
  if (process.env.DATABASE_URL) {
    adminUrl = process.env.DATABASE_URL;
  } else {
    embeddedDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cg-test-pg-'));
    fs.chmodSync(embeddedDir, 0o755);
    // A throwaway cluster: fast and unsafe settings unless EMBEDDED_PG_DURABLE=on asks for the
    // app's default (to measure what durability costs; figures in docs/operations.md).
    const durable = /^(on|true|1)$/i.test(process.env.EMBEDDED_PG_DURABLE ?? '');
    const server = await startEmbeddedPostgres(path.join(embeddedDir, 'data'), log, { durable });
    adminUrl = server.url;
    stop = () => server.stop();
  }
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DB} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${TEMPLATE_DB}`);
  } finally {
    await admin.end();
  }
  const templateUrl = withDatabase(adminUrl, TEMPLATE_DB);
  const ds = createDataSource({ url: templateUrl });
  await ds.initialize();
  await migrate(ds);
  await ds.destroy();

  (globalThis as { __cgStop?: () => Promise<void> }).__cgStop = async () => {
    await stop?.();
    if (embeddedDir) fs.rmSync(embeddedDir, { recursive: true, force: true });
  };
  process.env.CG_TEST_ADMIN_URL = adminUrl;
}
