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
import type { EventServiceStartOptions } from './modules/events/events.service';
import { createServices, type Services } from './services';
import { systemClock, type Clock } from './shared/clock';
import type { Logger } from './shared/logger';

export interface App {
  url: string;
  port: number;
  services: Services;
  /** Authentication, rate limits, subscription slots and the revocation feed. */
  auth: AuthRuntime;
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
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/** Starts serving; resolves once the port is bound. */
export async function startApp(deps: AppDeps): Promise<App> {
  const { ds, log, config } = deps;
  // Process-wide, like the schema: the consent service and the read compiler's SQL both read it.
  setDefaultContactCap(config.contactCapPer30Days ?? DEFAULT_CONTACT_CAP);
  const services = createServices(ds, deps.clock ?? systemClock, { referralCost: config.referralCost ?? null, log });
  const schema = getSchema();
  const auth = createAuthRuntime({
    ds,
    keys: services.apiKeys,
    log,
    settings: {
      rateLimits: { keyPerMinute: config.rateLimitPerMinute ?? 600, anonymousPerMinute: config.anonymousRateLimitPerMinute ?? 60 },
      maxSubscriptionsPerKey: config.maxSubscriptionsPerKey ?? 20,
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
    ...deps.events,
  });
  const ws = createGraphQLWebSocketServer({
    schema,
    ds,
    services,
    log,
    authenticate: auth.authenticateConnection,
    validationRules: limitValidationRules(),
    maxTokens: DEFAULT_QUERY_LIMITS.maxTokens,
    checkOperation: webSocketOperationCheck(schema, DEFAULT_QUERY_LIMITS, (viewer) => auth.rateLimit(viewer, '')),
    acquireSubscription: async (viewer) => {
      const slot = await auth.slots.acquire(viewer);
      return () => auth.slots.release(slot);
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
    authenticate: auth.authenticate,
    rateLimit: auth.rateLimit,
    trustProxy: config.trustProxy ?? false,
    compiledReads: config.compiledReads ?? true,
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
  return {
    url,
    port,
    services,
    auth,
    async stop() {
      // Apollo drains HTTP and closes every WebSocket (the ws plugin), then the feed lets go of its connection.
      await apollo.stop();
      await services.analytics.models.idle();
      await auth.stop();
      await services.events.stop();
    },
  };
}
