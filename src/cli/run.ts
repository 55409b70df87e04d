/**
 * What every CLI command shares: open the configured database (DATABASE_URL, or the embedded
 * PostgreSQL under DATA_DIR), migrate it, run the work, and always close both; then exit with
 * the command's code. DomainErrors are the user's to fix, so they print as one line.
 */
import type { DataSource } from 'typeorm';
import { loadConfig, type Config, type LogLevel } from '../config';
import { createDataSource, migrate } from '../db/data-source';
import { resolveDatabase } from '../db/database';
import { DomainError } from '../shared/errors';
import { createLogger, type Logger } from '../shared/logger';

export interface CliDatabase {
  ds: DataSource;
  config: Config;
  log: Logger;
  /** Migrations this run applied. */
  applied: string[];
}

export interface CliDatabaseOptions {
  /** Shown in pg_stat_activity, e.g. `customer-graph-seed`. */
  applicationName: string;
  poolSize?: number;
  /** Overrides LOG_LEVEL, e.g. to keep a command's own output uncluttered. */
  logLevel?: (configured: LogLevel) => LogLevel;
  config?: Config;
}

/** Runs `work` on the migrated database and closes it whatever happens. */
export async function withDatabase<T>(opts: CliDatabaseOptions, work: (db: CliDatabase) => Promise<T>): Promise<T> {
  const config = opts.config ?? loadConfig();
  const log = createLogger(opts.logLevel ? opts.logLevel(config.logLevel) : config.logLevel);
  const location = await resolveDatabase(config, log);
  const ds = createDataSource({ url: location.url, poolSize: opts.poolSize, applicationName: opts.applicationName });
  try {
    await ds.initialize();
    const applied = await migrate(ds);
    return await work({ ds, config, log, applied });
  } finally {
    if (ds.isInitialized) await ds.destroy();
    await location.close();
  }
}

/** Runs a command's main function and exits with its code (0 when it returns nothing). */
export function runCli(main: () => Promise<number | void>): void {
  main().then(
    (code) => process.exit(code ?? 0),
    (err) => {
      if (err instanceof DomainError) {
        console.error(`${err.message}${err.extensions.field ? ` (${String(err.extensions.field)})` : ''}`);
      } else {
        console.error(err instanceof Error ? (err.stack ?? err.message) : err);
      }
      process.exit(1);
    },
  );
}
