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
 */
import type { DataSource } from 'typeorm';
import type { Logger } from '../../shared/logger';
import type { ApiKeyService } from './api-key.service';
import { RateLimiter, DEFAULT_RATE_LIMITS, type RateLimitDecision, type RateLimitSettings } from './rate-limit';
import { RevocationFeed } from './revocation';
import { DEFAULT_MAX_SUBSCRIPTIONS_PER_KEY, SubscriptionSlots } from './subscription-slots';
import { Role, type Viewer } from './viewer';
import { DomainError, ErrorCode } from '../../shared/errors';

export { ApiKeyService, INFRA_SQL_TAG, REVOCATION_CHANNEL, hashApiKey, generateApiKey } from './api-key.service';
export { RateLimiter, type RateLimitDecision, type RateLimitSettings } from './rate-limit';
export { SubscriptionSlots, type SubscriptionSlot } from './subscription-slots';
export { RevocationFeed } from './revocation';
export { applyAccessPolicy, assertRootFieldAllowed, personalFields } from './access';
export { ANONYMOUS_VIEWER, Role, Scope, hasScope, type Viewer } from './viewer';

export interface AuthSettings {
  rateLimits: RateLimitSettings;
  maxSubscriptionsPerKey: number;
}

export const DEFAULT_AUTH_SETTINGS: AuthSettings = { rateLimits: DEFAULT_RATE_LIMITS, maxSubscriptionsPerKey: DEFAULT_MAX_SUBSCRIPTIONS_PER_KEY };

export interface AuthRuntime {
  /** The viewer for an Authorization header value (`Bearer <key>`); no value → anonymous. Limits are filled with the server defaults. */
  authenticate(authorization: string | undefined | null): Promise<Viewer>;
  /** Like authenticate, but a key is required (WebSocket connections): no key → UNAUTHENTICATED. */
  authenticateConnection(authorization: string | undefined | null): Promise<Viewer>;
  /** Takes one request from the viewer's bucket (per key, or per client address when anonymous). */
  rateLimit(viewer: Viewer, clientAddress: string): Promise<RateLimitDecision>;
  readonly slots: SubscriptionSlots;
  readonly revocations: RevocationFeed;
  readonly keys: ApiKeyService;
  readonly settings: AuthSettings;
  /** Starts the background upkeep (slot heartbeat, pruning idle rate-limit buckets). */
  start(): void;
  stop(): Promise<void>;
}

function connectionStringOf(ds: DataSource): string {
  const url = (ds.options as { url?: string }).url;
  if (!url) throw new Error('The DataSource needs a `url` so the revocation feed can open its own connection.');
  return url;
}

export function createAuthRuntime(deps: { ds: DataSource; keys: ApiKeyService; settings?: Partial<AuthSettings>; log: Logger }): AuthRuntime {
  const settings: AuthSettings = { ...DEFAULT_AUTH_SETTINGS, ...deps.settings };
  const limiter = new RateLimiter(deps.ds, settings.rateLimits);
  const slots = new SubscriptionSlots(deps.ds, { maxPerKey: settings.maxSubscriptionsPerKey });
  const revocations = new RevocationFeed(connectionStringOf(deps.ds), deps.log);
  let pruneTimer: NodeJS.Timeout | undefined;
  // Plain functions (no `this`), so servers can take them as callbacks.
  const authenticate = async (authorization: string | undefined | null): Promise<Viewer> => {
    const v = await deps.keys.authenticate(authorization);
    if (!v.apiKeyId) return v;
    return { ...v, rateLimitPerMinute: v.rateLimitPerMinute ?? settings.rateLimits.keyPerMinute, maxSubscriptions: v.maxSubscriptions ?? settings.maxSubscriptionsPerKey };
  };
  return {
    settings,
    slots,
    revocations,
    keys: deps.keys,
    authenticate,
    async authenticateConnection(authorization) {
      const v = await authenticate(authorization);
      if (v.role === Role.ANONYMOUS) throw new DomainError(ErrorCode.UNAUTHENTICATED, 'Send the API key as `connectionParams.authorization` ("Bearer <key>").');
      return v;
    },
    rateLimit: (viewer, clientAddress) => limiter.take(viewer, clientAddress),
    start() {
      slots.start();
      pruneTimer ??= setInterval(() => void limiter.prune().catch(() => undefined), 60_000);
      pruneTimer.unref();
    },
    async stop() {
      if (pruneTimer) clearInterval(pruneTimer);
      pruneTimer = undefined;
      await revocations.stop();
      await slots.stop();
    },
  };
}
