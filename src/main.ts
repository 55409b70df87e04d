/**
 * Entry point of `npm start`: config → database (embedded unless DATABASE_URL)
 * → migrations → demo data if empty → serve. SIGINT/SIGTERM drain the server,
 * close the pool and stop the embedded PostgreSQL.
 */
import 'reflect-metadata';
import { loadConfig } from './config';
import { createDataSource, migrate } from './db/data-source';
import { resolveDatabase } from './db/database';
import { seedIfEmpty } from './db/seed/seed';
import { startApp } from './app';
import { createLogger } from './shared/logger';

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  const started = Date.now();
  const db = await resolveDatabase(config, log);
  const ds = createDataSource({ url: db.url });
  let app: Awaited<ReturnType<typeof startApp>> | undefined;
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('shutting down', { signal });
    try {
      await app?.stop();
      if (ds.isInitialized) await ds.destroy();
      await db.close();
      log.info('stopped');
      process.exit(0);
    } catch (err) {
      log.error('error during shutdown', { error: String(err) });
      process.exit(1);
    }
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  await ds.initialize();
  const applied = await migrate(ds);
  if (applied.length) log.info('migrations applied', { applied });
  await seedIfEmpty(ds, config.demoCustomers, log);
  app = await startApp({ config, ds, log });
  log.info('ready', { url: app.url, playground: app.url, startupMs: Date.now() - started });
}

main().catch((err) => {
  console.error(err instanceof Error ? err.stack ?? err.message : err);
  process.exit(1);
});
