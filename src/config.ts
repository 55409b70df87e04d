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
  /**
   * The embedded PostgreSQL keeps PostgreSQL's crash-safety settings (`EMBEDDED_PG_DURABLE`,
   * default `on`: fsync, synchronous_commit and full_page_writes on, so an acknowledged write
   * survives a crash). `off` turns the three off for a faster throwaway demo database that may
   * lose recent commits, or be corrupted, when the machine or PostgreSQL crashes.
   * No effect with DATABASE_URL.
   */
  embeddedPgDurable: boolean;
  /** Customers seeded by `npm start` into an empty database (`DEMO_CUSTOMERS`, default 5000; 0 disables). */
  demoCustomers: number;
  /** Admin API key ensured at start-up (`ADMIN_API_KEY`, at least 16 characters), for bootstrapping and tests. */
  adminApiKey: string | undefined;
  /** Requests per minute per API key without its own limit (`RATE_LIMIT_PER_MINUTE`, default 600). */
  rateLimitPerMinute: number;
  /** Requests per minute per client address without a key (`ANONYMOUS_RATE_LIMIT_PER_MINUTE`, default 60). */
  anonymousRateLimitPerMinute: number;
  /** Open subscriptions per API key without its own limit, across all instances (`MAX_SUBSCRIPTIONS_PER_KEY`, default 20). */
  maxSubscriptionsPerKey: number;
  /**
   * How often an instance renews its lease in `api_instance` (`INSTANCE_HEARTBEAT_MS`, default 2000).
   * Subscription slots belong to an instance and stop counting when its lease runs out.
   */
  instanceHeartbeatMs: number;
  /**
   * How long an instance's lease lasts without renewal (`INSTANCE_LEASE_MS`, default 10000, at least
   * twice the heartbeat): the slots of an instance that died are freed this long after its last heartbeat.
   */
  instanceLeaseMs: number;
  /**
   * Express `trust proxy` (`TRUST_PROXY`, default off): set it to the number of
   * proxies in front (e.g. 1) so anonymous rate limits apply per real client
   * address rather than per load balancer.
   */
  trustProxy: number | false;
  /** Log verbosity (`LOG_LEVEL`, default `info`). */
  logLevel: LogLevel;
  /** How long outbox events stay replayable, in days (`EVENT_RETENTION_DAYS`, default 7). */
  eventRetentionDays: number;
  /**
   * Live events one subscription may have waiting for a slow client
   * (`EVENT_SUBSCRIPTION_BUFFER`, default 10000). Beyond that the connection is
   * closed with code 4413 and the client resumes with `after`. Keep it above
   * the largest burst one commit can make (a 1000-item `recordPurchases` emits
   * up to ~2000 events); each waiting event costs a pointer, not a copy.
   */
  eventSubscriptionBuffer: number;
  /**
   * Cost of one referral in the account currency (`REFERRAL_COST`, e.g. "25.00"; unset = not
   * tracked): the incentive and handling per referral made. Enables the referral ROI.
   */
  referralCost: string | undefined;
  /**
   * Answer query operations from one compiled SQL statement where possible
   * (`COMPILED_READS`, default `on`; `off` runs every field through its
   * resolver: for comparing the two paths, or as a switch should a compiled
   * read ever misbehave).
   */
  compiledReads: boolean;
  /**
   * Browser origins allowed to call the API across origins (`CORS_ORIGINS`: a
   * comma-separated list of exact origins such as `https://app.example.com`;
   * default none, which sends no CORS headers and so admits same-origin pages only).
   */
  corsOrigins: string[];
  /**
   * Allow cross-origin requests with credentials (`CORS_CREDENTIALS`, default `off`).
   * API keys travel in the Authorization header, which needs no credentials mode;
   * turn it on only for a front end that sends cookies through a proxy of its own.
   */
  corsCredentials: boolean;
  /**
   * Path of a trusted documents manifest (`TRUSTED_DOCUMENTS`; unset = any
   * operation): GraphQL Code Generator's persisted-documents JSON,
   * `{ "<sha256>": "<document>" }`. When set, keys other than ADMIN may run only its documents.
   */
  trustedDocuments: string | undefined;
  /**
   * Who may read `/metrics` (Prometheus). Unset (the default): anyone who can
   * reach the port, like /healthz. Set `METRICS_TOKEN` (at least 16
   * characters) to require `Authorization: Bearer <token>`.
   */
  metricsToken: string | undefined;
  /**
   * Serve `/metrics` on this port of HOST instead of the API's (`METRICS_PORT`,
   * unset by default): keeps it off a port the public reaches. The API port
   * then answers /metrics with 404. `METRICS_TOKEN` applies there as well.
   */
  metricsPort: number | undefined;
  /** OpenTelemetry tracing, on when an OTLP endpoint is set (see `tracingSettings`); off: undefined. */
  tracing: TracingSettings | undefined;
  /**
   * Outbound marketing touchpoints a customer may get in any rolling 30 days
   * unless their own preferences set another cap (`CONTACT_CAP_PER_30_DAYS`,
   * default 12). `recordTouchpoint` refuses one more with CONTACT_CAP_REACHED;
   * cross-sell and reactivation lists leave out customers at their cap.
   */
  contactCapPer30Days: number;
}

export interface TracingSettings {
  /** `service.name` of the spans (`OTEL_SERVICE_NAME`, default `customer-graph`). */
  serviceName: string;
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

function onOff(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (!raw) return fallback;
  if (raw === 'on' || raw === 'true' || raw === '1') return true;
  if (raw === 'off' || raw === 'false' || raw === '0') return false;
  throw new Error(`${name} must be on or off, got "${env[name]}"`);
}

/** `CORS_ORIGINS`: exact origins (scheme://host[:port]), comma-separated. */
function origins(env: NodeJS.ProcessEnv, name: string): string[] {
  const raw = env[name]?.trim();
  if (!raw) return [];
  return raw
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean)
    .map((origin) => {
      let parsed: URL | undefined;
      try {
        parsed = new URL(origin);
      } catch {
        parsed = undefined;
      }
      // An origin has no path, query or trailing slash: browsers send exactly scheme://host[:port].
      if (!parsed || !/^https?:$/.test(parsed.protocol) || parsed.origin !== origin) {
        throw new Error(`${name} must list exact origins such as https://app.example.com (no path or trailing slash), got "${origin}"`);
      }
      return origin;
    });
}

function adminApiKey(env: NodeJS.ProcessEnv): string | undefined {
  const key = env.ADMIN_API_KEY?.trim();
  if (!key) return undefined;
  if (key.length < 16 || key.length > 256 || /\s/.test(key)) {
    throw new Error('ADMIN_API_KEY must be 16–256 characters without spaces; generate one with `npm run keys -- generate`.');
  }
  return key;
}

function metricsToken(env: NodeJS.ProcessEnv): string | undefined {
  const token = env.METRICS_TOKEN?.trim();
  if (!token) return undefined;
  if (token.length < 16 || /\s/.test(token)) throw new Error('METRICS_TOKEN must be at least 16 characters without spaces.');
  return token;
}

/**
 * Tracing is on when `OTEL_EXPORTER_OTLP_ENDPOINT` (or the traces-only
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set; spans then go there over
 * OTLP/HTTP. The exporter reads those and the other standard `OTEL_*`
 * variables (headers, timeouts, batching) itself. Off, nothing of the SDK is
 * loaded. Read apart from loadConfig because it must run before anything
 * else is imported (src/tracing.ts).
 */
export function tracingSettings(env: NodeJS.ProcessEnv = process.env): TracingSettings | undefined {
  if (!env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() && !env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim()) return undefined;
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return undefined;
  return { serviceName: env.OTEL_SERVICE_NAME?.trim() || 'customer-graph' };
}

function instanceLease(env: NodeJS.ProcessEnv): Pick<Config, 'instanceHeartbeatMs' | 'instanceLeaseMs'> {
  const instanceHeartbeatMs = integer(env, 'INSTANCE_HEARTBEAT_MS', 2_000, 50, 60_000);
  const instanceLeaseMs = integer(env, 'INSTANCE_LEASE_MS', Math.max(10_000, instanceHeartbeatMs * 3), 100, 600_000);
  if (instanceLeaseMs < instanceHeartbeatMs * 2) {
    throw new Error(`INSTANCE_LEASE_MS (${instanceLeaseMs}) must be at least twice INSTANCE_HEARTBEAT_MS (${instanceHeartbeatMs})`);
  }
  return { instanceHeartbeatMs, instanceLeaseMs };
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
    embeddedPgDurable: onOff(env, 'EMBEDDED_PG_DURABLE', true),
    demoCustomers: integer(env, 'DEMO_CUSTOMERS', 5000, 0, 10_000_000),
    adminApiKey: adminApiKey(env),
    rateLimitPerMinute: integer(env, 'RATE_LIMIT_PER_MINUTE', 600, 1, 1_000_000),
    anonymousRateLimitPerMinute: integer(env, 'ANONYMOUS_RATE_LIMIT_PER_MINUTE', 60, 1, 1_000_000),
    maxSubscriptionsPerKey: integer(env, 'MAX_SUBSCRIPTIONS_PER_KEY', 20, 0, 10_000),
    ...instanceLease(env),
    trustProxy: integer(env, 'TRUST_PROXY', 0, 0, 10) || false,
    logLevel,
    eventRetentionDays: positiveNumber(env, 'EVENT_RETENTION_DAYS', 7),
    eventSubscriptionBuffer: integer(env, 'EVENT_SUBSCRIPTION_BUFFER', 10_000, 1, 1_000_000),
    referralCost: money(env, 'REFERRAL_COST'),
    compiledReads: onOff(env, 'COMPILED_READS', true),
    corsOrigins: origins(env, 'CORS_ORIGINS'),
    corsCredentials: onOff(env, 'CORS_CREDENTIALS', false),
    trustedDocuments: env.TRUSTED_DOCUMENTS?.trim() ? path.resolve(env.TRUSTED_DOCUMENTS.trim()) : undefined,
    metricsToken: metricsToken(env),
    metricsPort: env.METRICS_PORT?.trim() ? integer(env, 'METRICS_PORT', 0, 0, 65535) : undefined,
    tracing: tracingSettings(env),
    contactCapPer30Days: integer(env, 'CONTACT_CAP_PER_30_DAYS', 12, 0, 1000),
  };
}
