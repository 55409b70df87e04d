/**
 * The only reader of `process.env`. Every setting is typed, validated and has a
 * documented default, so a bad value stops start-up with a clear message instead
 * of surfacing later as a confusing runtime error.
 */
import path from 'node:path';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export interface Config {
  /** HTTP and WebSocket port (`PORT`, default 4000). 0 picks a free port. */
  port: number;
  /** Interface to bind (`HOST`, default 127.0.0.1). */
  host: string;
  /** PostgreSQL connection string (`DATABASE_URL`); unset means an embedded server under `dataDir`. */
  databaseUrl: string | undefined;
  /** Where the embedded PostgreSQL keeps its files (`DATA_DIR`, default `.data/`). */
  dataDir: string;
  /** Customers seeded by `npm start` into an empty database (`DEMO_CUSTOMERS`, default 5000; 0 disables). */
  demoCustomers: number;
  /** Admin API key ensured at start-up (`ADMIN_API_KEY`), for bootstrapping and tests. */
  adminApiKey: string | undefined;
  /** Log verbosity (`LOG_LEVEL`, default `info`). */
  logLevel: LogLevel;
  /** How long outbox events stay replayable, in days (`EVENT_RETENTION_DAYS`, default 7). */
  eventRetentionDays: number;
  /**
   * Live events one subscription may have waiting for a slow client
   * (`EVENT_SUBSCRIPTION_BUFFER`, default 1000). Beyond that the connection is
   * closed with code 4413 and the client resumes with `after`.
   */
  eventSubscriptionBuffer: number;
  /**
   * Cost of one referral in the account currency (`REFERRAL_COST`, e.g. "25.00"; unset = not
   * tracked): the incentive and handling per referral made. Enables the referral ROI.
   */
  referralCost: string | undefined;
}

const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be a whole number between ${min} and ${max}, got "${raw}"`);
  }
  return value;
}

function positiveNumber(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got "${raw}"`);
  return value;
}

function money(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  const m = /^(\d{1,12})(?:\.(\d{1,2}))?$/.exec(raw);
  if (!m) throw new Error(`${name} must be an amount of money such as 25 or 25.00 (at most 2 decimals, not negative), got "${raw}"`);
  return `${m[1].replace(/^0+(?=\d)/, '')}.${(m[2] ?? '').padEnd(2, '0')}`;
}

/** Reads and validates the configuration; throws with the variable's name on a bad value. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const logLevel = (env.LOG_LEVEL ?? 'info').toLowerCase() as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new Error(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${env.LOG_LEVEL}"`);
  }
  return {
    port: integer(env, 'PORT', 4000, 0, 65535),
    host: env.HOST?.trim() || '127.0.0.1',
    databaseUrl: env.DATABASE_URL?.trim() || undefined,
    dataDir: path.resolve(env.DATA_DIR?.trim() || '.data'),
    demoCustomers: integer(env, 'DEMO_CUSTOMERS', 5000, 0, 10_000_000),
    adminApiKey: env.ADMIN_API_KEY?.trim() || undefined,
    logLevel,
    eventRetentionDays: positiveNumber(env, 'EVENT_RETENTION_DAYS', 7),
    eventSubscriptionBuffer: integer(env, 'EVENT_SUBSCRIPTION_BUFFER', 1000, 1, 1_000_000),
    referralCost: money(env, 'REFERRAL_COST'),
  };
}
