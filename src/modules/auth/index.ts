/**
 * The auth module's public face for the servers (HTTP and WebSocket):
 *
 *   const auth = createAuthRuntime({ ds, keys: services.apiKeys, settings, log });
 *   const viewer = await auth.authenticate(connectionParams.authorization); // throws DomainError UNAUTHENTICATED
 *   const decision = await auth.rateLimit(viewer, clientAddress);            // { allowed, retryAfterSeconds, … }
 *   const slot = await auth.slots.acquire(viewer);                           // throws RATE_LIMITED at the cap
 *   await auth.slots.release(slot);
 *   const off = await auth.revocations.onRevoked((apiKeyId) => closeSocketsOf(apiKeyId));
 *
 * Authorization itself (roles, personal fields) is enforced by the schema
 * (access.ts), so a server only has to put the viewer in the context.
 *
 * Nothing here writes on the request path, and a warm request sends no SQL:
 * keys are cached by hash and dropped on every instance by the revocation feed
 * (key-cache.ts); rate limits are counted locally from blocks of tokens leased
 * from PostgreSQL (rate-limit.ts); key uses are written once a minute.
 */
import type { DataSource } from 'typeorm';
import { connectionUrlOf } from '../../db/connection-url';
import type { Logger } from '../../shared/logger';
import { apiKeyFrom, ApiKeyService } from './api-key.service';
import { KeyCache, type KeyCacheOptions } from './key-cache';
import { RateLimiter, DEFAULT_RATE_LIMITS, type RateLimitDecision, type RateLimitSettings } from './rate-limit';
import { RevocationFeed } from './revocation';
import {
  DEFAULT_INSTANCE_HEARTBEAT_MS,
  DEFAULT_INSTANCE_LEASE_MS,
  DEFAULT_MAX_SUBSCRIPTIONS_PER_KEY,
  SubscriptionSlots,
} from './subscription-slots';
import type { DatabaseOutage } from '../../db/outage';
import { isConnectionError } from '../../shared/pg-errors';
import { ANONYMOUS_VIEWER, Role, type Viewer } from './viewer';
import { DomainError, ErrorCode } from '../../shared/errors';
import { defineModule } from '../module';
import { ApiKey } from './api-key.entity';
import { AuthResolver } from './auth.resolver';

export { ApiKeyService, INFRA_SQL_TAG, REVOCATION_CHANNEL, hashApiKey, generateApiKey, type KeyLookup } from './api-key.service';
export { RateLimiter, leaseSize, type RateLimitDecision, type RateLimitSettings } from './rate-limit';
export { KeyCache, type KeyCacheOptions } from './key-cache';
export { SubscriptionSlots, type SubscriptionSlot } from './subscription-slots';
export { RevocationFeed } from './revocation';
export { applyAccessPolicy, assertRootFieldAllowed, personalFields } from './access';
export { ANONYMOUS_VIEWER, Role, Scope, hasScope, type Viewer } from './viewer';

declare module '../context' {
  interface Services {
    apiKeys: ApiKeyService;
  }
}

/** The module's descriptor (modules/index.ts); the runtime below is what the servers use. */
export const auth = defineModule({
  name: 'auth',
  entities: [ApiKey],
  resolvers: [AuthResolver],
  services: ({ ds }) => ({ apiKeys: new ApiKeyService(ds) }),
});

export interface AuthSettings {
  rateLimits: RateLimitSettings;
  maxSubscriptionsPerKey: number;
  /** How often this instance renews the lease its subscription slots hang on (ms). */
  instanceHeartbeatMs: number;
  /** How long the lease lasts unrenewed: a dead instance's slots are freed this long after its last heartbeat (ms). */
  instanceLeaseMs: number;
}

export const DEFAULT_AUTH_SETTINGS: AuthSettings = {
  rateLimits: DEFAULT_RATE_LIMITS,
  maxSubscriptionsPerKey: DEFAULT_MAX_SUBSCRIPTIONS_PER_KEY,
  instanceHeartbeatMs: DEFAULT_INSTANCE_HEARTBEAT_MS,
  instanceLeaseMs: DEFAULT_INSTANCE_LEASE_MS,
};

/** How often held rate-limit tokens past their hold time are given back (ms). */
const RETURN_EVERY_MS = 5_000;
/** How often key uses are written to `last_used_at` and idle rate-limit rows are pruned (ms). */
const UPKEEP_EVERY_MS = 60_000;

export interface AuthRuntime {
  /**
   * The viewer for an Authorization header value (`Bearer <key>`); no value →
   * anonymous; a malformed, unknown or revoked key → DomainError UNAUTHENTICATED.
   * Limits are filled with the server defaults. Sends no SQL once the key is
   * cached (see key-cache.ts for when it is not).
   */
  authenticate(authorization: string | undefined | null): Promise<Viewer>;
  /** Like authenticate, but a key is required (WebSocket connections): no key → UNAUTHENTICATED. */
  authenticateConnection(authorization: string | undefined | null): Promise<Viewer>;
  /**
   * Takes one request from the viewer's bucket (per key, or per client address
   * when anonymous); resolved at once, without SQL, while this instance holds
   * leased tokens for it (rate-limit.ts).
   */
  rateLimit(viewer: Viewer, clientAddress: string): Promise<RateLimitDecision>;
  readonly slots: SubscriptionSlots;
  readonly revocations: RevocationFeed;
  readonly keys: ApiKeyService;
  readonly settings: AuthSettings;
  /** The API-key cache (entry counts for tests and metrics). */
  readonly keyCache: KeyCache;
  /** The rate limiter (tracked buckets for tests and metrics). */
  readonly limiter: RateLimiter;
  /**
   * Starts the revocation feed the key cache depends on and the background
   * upkeep: slot heartbeat, giving back idle leased tokens, writing key uses,
   * pruning idle rate-limit rows. Until the feed listens, keys are looked up
   * on every request (nothing is cached).
   */
  start(): void;
  /** Writes the key uses recorded in memory to `last_used_at` now (the upkeep does it every minute). */
  flushKeyUses(): Promise<void>;
  /** Stops the upkeep, writes pending key uses, gives back leased tokens, releases slots and the feed. */
  stop(): Promise<void>;
}

/**
 * Builds the auth runtime of one server process: the cached key lookup, the
 * leasing rate limiter, subscription slots and the revocation feed that keeps
 * the cache honest. Call `start()` before serving and `stop()` while the
 * DataSource is still open.
 */
export function createAuthRuntime(deps: {
  ds: DataSource;
  keys: ApiKeyService;
  settings?: Partial<AuthSettings>;
  log: Logger;
  keyCache?: KeyCacheOptions;
  /** The database outage monitor: hears connection errors of the background work, and says when to re-sync slots. */
  outage?: DatabaseOutage;
}): AuthRuntime {
  const settings: AuthSettings = { ...DEFAULT_AUTH_SETTINGS, ...deps.settings };
  const { ds, log } = deps;
  const limiter = new RateLimiter(ds, settings.rateLimits);
  const slots = new SubscriptionSlots(ds, {
    maxPerKey: settings.maxSubscriptionsPerKey,
    heartbeatMs: settings.instanceHeartbeatMs,
    leaseMs: settings.instanceLeaseMs,
    onError: (err) => {
      if (isConnectionError(err)) deps.outage?.failed(err);
      else log.warn('subscription slot upkeep failed; re-syncing at the next heartbeat', { error: String(err) });
    },
  });
  // Releases that failed during an outage are written as soon as the database answers.
  const offRecovered = deps.outage?.onRecovered(() => void slots.sync().catch(() => undefined));
  const revocations = new RevocationFeed(connectionUrlOf(ds, 'the revocation feed'), log);
  const keyCache = new KeyCache(
    (hash) => deps.keys.lookup(hash),
    () => revocations.listening,
    deps.keyCache,
  );
  // Connected or lost, the feed may have missed notices: start over from the database.
  revocations.onStateChange((listening) => (listening ? keyCache.invalidateAll() : keyCache.feedLost()));
  // This instance's own revocations reach its cache at once; the mutation answers once the notice has
  // gone round through PostgreSQL (at most 2 s), so every other instance has dropped the key too.
  const offRevokedHere = deps.keys.onRevokedHere((id) => {
    keyCache.revoked(id);
    return revocations.heard(id, 2_000);
  });
  const timers: NodeJS.Timeout[] = [];

  const flushKeyUses = async (): Promise<void> => {
    const uses = keyCache.takeUses();
    try {
      await deps.keys.recordUses(uses);
    } catch (err) {
      keyCache.restoreUses(uses);
      throw err;
    }
  };
  const every = (ms: number, what: string, work: () => Promise<unknown>) => {
    const t = setInterval(
      () =>
        void work().catch((err: unknown) => {
          // An outage is logged once by the monitor, not by every timer that meets it.
          if (isConnectionError(err) && deps.outage) deps.outage.failed(err);
          else log.warn(`auth upkeep failed: ${what}`, { error: String(err) });
        }),
      ms,
    );
    t.unref();
    timers.push(t);
  };

  // Plain functions (no `this`), so servers can take them as callbacks.
  const authenticate = async (authorization: string | undefined | null): Promise<Viewer> => {
    const token = apiKeyFrom(authorization);
    if (token === null) return ANONYMOUS_VIEWER;
    const v = await keyCache.authenticate(token);
    return {
      ...v,
      rateLimitPerMinute: v.rateLimitPerMinute ?? settings.rateLimits.keyPerMinute,
      maxSubscriptions: v.maxSubscriptions ?? settings.maxSubscriptionsPerKey,
    };
  };
  return {
    settings,
    slots,
    revocations,
    keys: deps.keys,
    keyCache,
    limiter,
    authenticate,
    async authenticateConnection(authorization) {
      const v = await authenticate(authorization);
      if (v.role === Role.ANONYMOUS)
        throw new DomainError(ErrorCode.UNAUTHENTICATED, 'Send the API key as `connectionParams.authorization` ("Bearer <key>").');
      return v;
    },
    rateLimit: (viewer, clientAddress) => limiter.take(viewer, clientAddress),
    flushKeyUses,
    start() {
      if (timers.length) return;
      slots.start();
      revocations
        .onRevoked((id) => keyCache.revoked(id))
        .catch((err: unknown) => {
          log.error('the revocation feed could not start; API keys are looked up on every request', { error: String(err) });
        });
      every(RETURN_EVERY_MS, 'returning leased rate-limit tokens', () => limiter.returnExpired());
      every(UPKEEP_EVERY_MS, 'writing key uses', flushKeyUses);
      every(UPKEEP_EVERY_MS, 'pruning rate-limit buckets', () => limiter.prune());
    },
    async stop() {
      for (const t of timers.splice(0)) clearInterval(t);
      offRevokedHere();
      offRecovered?.();
      if (ds.isInitialized) {
        await flushKeyUses().catch((err: unknown) => log.warn('could not write key uses on shutdown', { error: String(err) }));
        await limiter
          .drain()
          .catch((err: unknown) => log.warn('could not give back leased rate-limit tokens on shutdown', { error: String(err) }));
      }
      await revocations.stop();
      await slots.stop();
    },
  };
}
