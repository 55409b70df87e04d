/**
 * Entry point of `npm start`: config → database (embedded unless DATABASE_URL)
 * → migrations → demo data if empty → serve. SIGINT/SIGTERM drain the server,
 * close the pool and stop the embedded PostgreSQL, also when they arrive during
 * start-up; a shutdown that hangs ends after SHUTDOWN_DEADLINE_MS. So does the
 * exit of the process that started us (a wrapper that died of a signal it did
 * not pass on). `npm start` runs us with `exec`, so npm's forwarded signal
 * reaches this process and not an intermediate shell.
 */
// First: tracing, when configured, must patch `http` and `pg` before anything loads them.
import { tracing } from './tracing';
import 'reflect-metadata';
import { loadConfig } from './config';
import { createDataSource, migrate } from './db/data-source';
import { resolveDatabase, type DatabaseLocation } from './db/database';
import type { DataSource } from 'typeorm';
import { seedIfEmpty } from './db/seed/seed';
import { startApp } from './app';
import { ApiKeyService } from './modules/auth/api-key.service';
import { createLogger, type Logger } from './shared/logger';
import type { ChurnModelService } from './modules/analytics/churn-model.service';

/** Longest a shutdown may take before the process exits anyway. */
const SHUTDOWN_DEADLINE_MS = 30_000;
/** Set once a signal arrived; start-up failures after that are the shutdown's doing, not crashes. */
let shuttingDown = false;

/** How often we look whether the process that started us is still there. */
const PARENT_CHECK_MS = 1_000;

/**
 * Calls `orphaned` once the process that started us has exited. A wrapper
 * (a shell that does not `exec`, a process manager, npm killed with SIGKILL)
 * may die of a signal without passing it on; we are then re-parented, and
 * shutting down like on SIGTERM stops the embedded PostgreSQL instead of
 * leaving both running. Nothing to watch when the parent is init (or none).
 */
function onParentExit(orphaned: () => void): void {
  const parent = process.ppid;
  if (parent <= 1) return;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    orphaned();
  }, PARENT_CHECK_MS);
  timer.unref();
}

/** Resolves with `work`, or after `ms` if it has not settled by then. */
const atMost = (work: Promise<unknown>, ms: number) => Promise.race([work, new Promise((resolve) => setTimeout(resolve, ms).unref())]);

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  if (config.tracing) log.info('tracing on: spans go to the OTLP endpoint', { serviceName: config.tracing.serviceName });
  const started = Date.now();
  let db: DatabaseLocation | undefined;
  let ds: DataSource | undefined;
  let app: Awaited<ReturnType<typeof startApp>> | undefined;
  const shutdown = async (signal: string) => {
    // `npm start` forwards Ctrl-C to us while the terminal also sends it: one shutdown is enough.
    if (shuttingDown) return;
    shuttingDown = true;
    log.info('shutting down', { signal });
    setTimeout(() => {
      log.error('shutdown did not finish in time; exiting', { deadlineMs: SHUTDOWN_DEADLINE_MS });
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    try {
      await app?.stop();
      // During start-up a seeding transaction may hold a connection; the pool would wait for it.
      // Stopping the database below rolls it back, so the next start seeds afresh.
      if (ds?.isInitialized) await atMost(ds.destroy(), app ? SHUTDOWN_DEADLINE_MS : 2_000);
      await db?.close();
      if (tracing) await atMost(tracing.shutdown(), 5_000);
      log.info('stopped');
      process.exit(0);
    } catch (err) {
      log.error('error during shutdown', { error: String(err) });
      process.exit(1);
    }
  };
  // Registered before the database starts, so no signal finds the process without a handler.
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  onParentExit(() => void shutdown('parent process exited'));

  // We handle the signals (above), so the server drains before PostgreSQL stops.
  db = await resolveDatabase(config, log, { callerHandlesSignals: true });
  ds = createDataSource({ url: db.url });
  await ds.initialize();
  const applied = await migrate(ds);
  if (applied.length) log.info('migrations applied', { applied });
  const seeded = await seedIfEmpty(ds, config.demoCustomers, log);
  // A demo set-up (DEMO_CUSTOMERS > 0) on a database without keys gets one key per role, shown once.
  const keys = new ApiKeyService(ds);
  const demoKeys = config.demoCustomers > 0 && (await keys.none()) ? await keys.createDemoKeys() : [];
  app = await startApp({ config, ds, log, playgroundApiKey: demoKeys.find((k) => k.role === 'ADMIN')?.secret ?? config.adminApiKey });
  log.info('ready', { url: app.url, playground: app.url, startupMs: Date.now() - started });
  // Fresh demo data gets its churn model right away (in the background, so serving starts
  // first): the insight fields fill in a few seconds after start instead of after a manual fit.
  if (seeded) void fitDemoModel(app.services.analytics.models, log);
  if (demoKeys.length) {
    const lines = demoKeys.map(
      (k) =>
        `  ${k.role.padEnd(8)} ${k.secret}${k.scopes.length ? `   (scopes: ${k.scopes.join(', ')})` : ''}${k.partner ? `   (partner ${k.partner}: sees the customers who share with it)` : ''}`,
    );
    process.stdout.write(
      [
        '',
        'Demo API keys, one per role. They are shown only now (only their hashes are stored): copy them.',
        ...lines,
        `Send one as "Authorization: Bearer <key>". The playground at ${app.url} opens with the ADMIN key filled in.`,
        'List or revoke keys with `npm run keys -- list` / `npm run keys -- revoke <prefix>`.',
        '',
      ].join('\n'),
    );
  }
}

/** Fits the churn model on just-seeded demo data; a failure is logged, never fatal to start-up. */
async function fitDemoModel(models: ChurnModelService, log: Logger): Promise<void> {
  try {
    const result = await models.fit({});
    log.info('churn model fitted on the demo data', {
      customers: result.model.customerCount,
      scored: result.scoredCustomers,
      movedToAtRisk: result.movedToAtRisk,
      fitMs: result.model.fitMs,
    });
  } catch (err) {
    log.warn('could not fit the churn model on the demo data; run `npm run analytics:fit` later', {
      error: err instanceof Error ? err.message : String(err),
    });
  }
}

main().catch((err) => {
  // A signal during start-up (say, while seeding) makes start-up fail; shutdown() reports and exits.
  if (shuttingDown) return;
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
