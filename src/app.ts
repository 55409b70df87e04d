/**
 * Composition root: DataSource → services → schema → HTTP + WebSocket server.
 * Nothing here reads process.env; main.ts and the tests pass a Config.
 */
import type { AddressInfo } from 'node:net';
import type { DataSource } from 'typeorm';
import { connectionUrlOf } from './db/connection-url';
import type { Config } from './config';
import { getSchema } from './graphql/schema';
import { createAuthRuntime, type AuthRuntime } from './modules/auth';
import { DEFAULT_CONTACT_CAP, setDefaultContactCap } from './modules/consent/contact-cap';
import { createHttpServer } from './server/http';
import { DEFAULT_QUERY_LIMITS, limitValidationRules, webSocketOperationCheck } from './server/limits';
import { CLOSE_CODES, createGraphQLWebSocketServer } from './server/ws';
import { loadTrustedDocuments } from './server/trusted-documents';
import type { EventServiceStartOptions } from './modules/events/events.service';
import { createServices, type Services } from './services';
import { systemClock, type Clock } from './shared/clock';
import type { Logger } from './shared/logger';
import http from 'node:http';
import { observeStatements, poolUse } from './db/observe';
import { INFRA_SQL_TAG } from './modules/auth/api-key.service';
import { DomainError, ErrorCode } from './shared/errors';
import { Metrics } from './shared/metrics';
import { metricsHandler } from './server/observability';
import { DatabaseOutage } from './db/outage';

export interface App {
  url: string;
  port: number;
  services: Services;
  /** Authentication, rate limits, subscription slots and the revocation feed. */
  auth: AuthRuntime;
  /** The Prometheus metrics (served at /metrics, or on `metricsUrl`). */
  metrics: Metrics;
  /** The separate metrics server's URL when METRICS_PORT is set. */
  metricsUrl?: string;
  /** Whether the database is reachable, and the outages seen (one log line at each end). */
  outage: DatabaseOutage;
  stop(): Promise<void>;
}

export interface AppDeps {
  config: Pick<Config, 'host' | 'port'> & Partial<Config>;
  ds: DataSource;
  log: Logger;
  clock?: Clock;
  /**
   * An admin key to pre-fill in the playground's headers (a demo key just
   * created, or ADMIN_API_KEY). Used only when the server binds to a loopback
   * address: the playground page is served to anyone who can reach the server.
   */
  playgroundApiKey?: string;
  /** Tuning of the live event feed (tests and benchmarks); production uses the defaults and config. */
  events?: Pick<EventServiceStartOptions, 'feed' | 'pruneIntervalMs'>;
  /** Collect prom-client's process metrics (default true; benchmarks and tests may leave them out). */
  processMetrics?: boolean;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/** Starts serving; resolves once the port is bound. */
export async function startApp(deps: AppDeps): Promise<App> {
  const { ds, log, config } = deps;
  // Process-wide, like the schema: the consent service and the read compiler's SQL both read it.
  setDefaultContactCap(config.contactCapPer30Days ?? DEFAULT_CONTACT_CAP);
  const services = createServices(ds, deps.clock ?? systemClock, { referralCost: config.referralCost ?? null, log });
  const schema = getSchema();
  const trustedDocuments = config.trustedDocuments ? loadTrustedDocuments(config.trustedDocuments) : undefined;
  if (trustedDocuments)
    log.info('trusted documents only (ADMIN keys excepted)', { manifest: config.trustedDocuments, documents: trustedDocuments.size });
  const metrics = new Metrics(
    { pool: () => poolUse(ds), openSubscriptions: () => services.events.stats().subscriptions },
    { defaultMetrics: deps.processMetrics },
  );
  observeStatements(ds, (sql, compiledRead) =>
    metrics.statements.inc({ path: compiledRead ? 'compiled_read' : sql.includes(INFRA_SQL_TAG) ? 'auth' : 'other' }),
  );
  const outage = new DatabaseOutage(() => ds.query('SELECT 1'), log);
  const auth = createAuthRuntime({
    outage,
    ds,
    keys: services.apiKeys,
    log,
    settings: {
      rateLimits: { keyPerMinute: config.rateLimitPerMinute ?? 600, anonymousPerMinute: config.anonymousRateLimitPerMinute ?? 60 },
      maxSubscriptionsPerKey: config.maxSubscriptionsPerKey ?? 20,
      ...(config.instanceHeartbeatMs ? { instanceHeartbeatMs: config.instanceHeartbeatMs } : {}),
      ...(config.instanceLeaseMs ? { instanceLeaseMs: config.instanceLeaseMs } : {}),
    },
  });
  if (config.adminApiKey) {
    const ensured = await services.apiKeys.ensureEnvAdminKey(config.adminApiKey);
    if (ensured.status === 'revoked')
      log.error('ADMIN_API_KEY names a revoked key; it stays revoked. Set a new value.', { prefix: ensured.prefix });
    else log.info('ADMIN_API_KEY ensured', { prefix: ensured.prefix, status: ensured.status });
  }
  auth.start();
  const playgroundKey = deps.playgroundApiKey && LOOPBACK.has(config.host) ? deps.playgroundApiKey : undefined;
  // The live feed listens before the port opens, so no subscriber can start before it.
  await services.events.start({
    log,
    url: connectionUrlOf(ds, 'the event feed'),
    retentionDays: config.eventRetentionDays ?? 7,
    maxBuffered: config.eventSubscriptionBuffer,
    // recorded_at is clock_timestamp() at the insert, moments before the commit.
    onLiveDelivery: (event) => metrics.eventDeliveryLag.observe(Math.max(0, Date.now() - event.recordedAt.getTime()) / 1000),
    ...deps.events,
  });
  const ws = createGraphQLWebSocketServer({
    schema,
    ds,
    services,
    log,
    outage,
    authenticate: auth.authenticateConnection,
    validationRules: limitValidationRules(),
    maxTokens: DEFAULT_QUERY_LIMITS.maxTokens,
    trustedDocuments,
    checkOperation: webSocketOperationCheck(schema, DEFAULT_QUERY_LIMITS, async (viewer) => {
      const decision = await auth.rateLimit(viewer, '');
      if (!decision.allowed) metrics.rateLimitRefusals.inc({ limit: 'requests', transport: 'ws' });
      return decision;
    }),
    acquireSubscription: async (viewer) => {
      try {
        const slot = await auth.slots.acquire(viewer);
        return () => auth.slots.release(slot);
      } catch (err) {
        if (err instanceof DomainError && err.code === ErrorCode.RATE_LIMITED)
          metrics.rateLimitRefusals.inc({ limit: 'subscriptions', transport: 'ws' });
        throw err;
      }
    },
  });
  // A revoked key loses its open WebSockets at once, whichever instance revoked it.
  await auth.revocations.onRevoked((apiKeyId) => {
    const closed = ws.closeConnections((v) => v.apiKeyId === apiKeyId, CLOSE_CODES.UNAUTHORIZED, 'This API key has been revoked.');
    if (closed) log.info('closed WebSockets of a revoked API key', { apiKeyId, closed });
  });
  const { httpServer, apollo } = await createHttpServer({
    schema,
    ds,
    services,
    log,
    plugins: [ws.plugin],
    outage,
    authenticate: auth.authenticate,
    rateLimit: auth.rateLimit,
    trustProxy: config.trustProxy ?? false,
    compiledReads: config.compiledReads ?? true,
    cors: { origins: config.corsOrigins ?? [], credentials: config.corsCredentials ?? false },
    trustedDocuments,
    metrics,
    metricsEndpoint: config.metricsPort === undefined ? { token: config.metricsToken } : false,
    tracing: config.tracing !== undefined,
    playground: () => (playgroundKey ? { headers: { Authorization: `Bearer ${playgroundKey}` } } : {}),
  });
  ws.attach(httpServer);
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(config.port, config.host, () => resolve());
  });
  const { port } = httpServer.address() as AddressInfo;
  const url = `http://${config.host}:${port}/graphql`;
  log.info('serving', { url });
  let metricsServer: http.Server | undefined;
  let metricsUrl: string | undefined;
  if (config.metricsPort !== undefined) {
    const scrape = metricsHandler(metrics, config.metricsToken, log);
    const server = http.createServer((req, res) => {
      if (req.method === 'GET' && req.url?.split('?')[0] === '/metrics') void scrape(req, res);
      else res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found: metrics are at /metrics.\n');
    });
    metricsServer = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.metricsPort, config.host, () => resolve());
    });
    metricsUrl = `http://${config.host}:${(server.address() as AddressInfo).port}/metrics`;
    log.info('serving metrics', { url: metricsUrl });
  }
  return {
    url,
    port,
    services,
    auth,
    metrics,
    metricsUrl,
    outage,
    async stop() {
      await new Promise<void>((resolve) => (metricsServer ? metricsServer.close(() => resolve()) : resolve()));
      // Apollo drains HTTP and closes every WebSocket (the ws plugin), then the feed lets go of its connection.
      await apollo.stop();
      await services.analytics.models.idle();
      await auth.stop();
      await services.events.stop();
      outage.stop();
    },
  };
}
