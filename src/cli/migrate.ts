/** `npm run migrate`: applies pending migrations to DATABASE_URL or the embedded database. */
import 'reflect-metadata';
import { loadConfig } from '../config';
import { createDataSource, migrate } from '../db/data-source';
import { resolveDatabase } from '../db/database';
import { createLogger } from '../shared/logger';

async function run(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  const db = await resolveDatabase(config, log);
  const ds = createDataSource({ url: db.url });
  try {
    await ds.initialize();
    const applied = await migrate(ds);
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
  } finally {
    if (ds.isInitialized) await ds.destroy();
    await db.close();
  }
}

run().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
