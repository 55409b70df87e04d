/**
 * What the metrics read of a DataSource. `observeStatements` lets the app
 * see every SQL statement a DataSource sends (for metrics)
 * without replacing its logger: the logger's `logQuery` is wrapped, so the
 * statement loggers tests install keep working.
 *
 * TypeORM calls `logQuery` for every statement it sends; compiled reads
 * (json-query.ts) bypass TypeORM and report theirs through
 * `logCompiledRead`, which is how `compiledRead` is told apart.
 */
import type pg from 'pg';
import type { DataSource, Logger } from 'typeorm';

export type StatementListener = (sql: string, compiledRead: boolean) => void;

/** True only while logCompiledRead's synchronous logQuery call runs. */
let loggingCompiledRead = false;

/** Reports a compiled read's statement to the DataSource's logger (and so to the statement listeners). */
export function logCompiledRead(ds: DataSource, sql: string, params: unknown[]): void {
  loggingCompiledRead = true;
  try {
    ds.logger.logQuery(sql, params);
  } finally {
    loggingCompiledRead = false;
  }
}

export function observeStatements(ds: DataSource, listener: StatementListener): void {
  const logger: Logger = ds.logger;
  const logQuery = logger.logQuery.bind(logger);
  logger.logQuery = (sql, parameters, queryRunner) => {
    listener(sql, loggingCompiledRead);
    logQuery(sql, parameters, queryRunner);
  };
}

/** The DataSource's pg pool: connections held, idle, and queries waiting for one (for the pool gauges). */
export function poolUse(ds: DataSource): { total: number; idle: number; waiting: number } | undefined {
  const pool = (ds.driver as unknown as { master?: pg.Pool }).master;
  if (!pool) return undefined;
  return { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount };
}
