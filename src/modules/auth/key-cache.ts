/**
 * API keys resolved once per instance instead of once per request.
 *
 * A key's SHA-256 hash maps to its Viewer after the first lookup (positive
 * entries, up to `maxKeys`, refreshed after `keyTtlMs` as a backstop); unknown
 * and revoked keys map to their refusal for only `unknownTtlMs` (5 s), in a
 * separate, bounded map, so a flood of random keys costs one lookup each and
 * can neither grow memory nor push valid keys out. The short negative lifetime
 * is what lets a key that did not exist a moment ago work within seconds: in
 * practice only a hand-chosen key (ADMIN_API_KEY) can be tried before it
 * exists; generated secrets are never seen before they are created.
 *
 * Staleness is the whole risk, so the cache trusts itself only while the
 * revocation feed (LISTEN on REVOCATION_CHANNEL) is connected:
 *  - a revocation notice, from any instance, drops that key here (`revoked`);
 *  - losing the feed, and getting it back, empties the cache (`invalidateAll`),
 *    and while it is down every request looks its key up again and nothing is
 *    stored — notices sent meanwhile are lost, and the database is the truth;
 *  - a lookup that was in flight when any of this happened is answered but
 *    not stored (an epoch counter), because its snapshot may predate the
 *    revocation; new requests do not join such a lookup either.
 *
 * A database outage takes the feed down with it, and then lookups fail too.
 * So that clients with a working key can still (re)connect their WebSockets,
 * the keys the cache held when the feed was lost are kept aside (`feedLost`):
 * while the feed is down the database stays the truth, but when a lookup
 * fails because the database cannot be reached (`isConnectionError`), a key
 * kept aside is accepted for at most `outageGraceMs` after the feed was lost.
 * The trade-off: a revocation committed after the feed was lost and before
 * the database became unreachable may go unnoticed for that long. During the
 * outage itself nothing can be revoked (revoking is a database write); when the
 * feed is back the keys kept aside are dropped and every key is looked up
 * afresh. See docs/security.md, "API keys during a database outage".
 *
 * Every successful authentication records the key's use in memory; the runtime
 * writes them in one batched UPDATE a minute (`takeUses`), so `last_used_at`
 * stays roughly current without a write on the request path.
 */
import { DomainError, ErrorCode } from '../../shared/errors';
import { isConnectionError } from '../../shared/pg-errors';
import { BoundedCache } from './bounded-cache';
import { hashApiKey, type KeyLookup } from './api-key.service';
import type { Viewer } from './viewer';

export interface KeyCacheOptions {
  /** Valid keys kept (default 10,000). */
  maxKeys?: number;
  /** How long a valid key is trusted without a new lookup, as a backstop to revocation notices (ms, default 5 minutes). */
  keyTtlMs?: number;
  /** Unknown or revoked keys remembered (default 10,000). */
  maxUnknown?: number;
  /** How long an unknown or revoked key is refused without a new lookup (ms, default 5 s). */
  unknownTtlMs?: number;
  /**
   * How long after the revocation feed was lost a key the cache held then is
   * still accepted when the database cannot be reached (ms, default 60 s; 0 turns it off).
   */
  outageGraceMs?: number;
  /** Clock in milliseconds (tests). */
  now?: () => number;
}

export const DEFAULT_KEY_CACHE: Required<Omit<KeyCacheOptions, 'now'>> = {
  maxKeys: 10_000,
  keyTtlMs: 5 * 60_000,
  maxUnknown: 10_000,
  unknownTtlMs: 5_000,
  outageGraceMs: 60_000,
};

export class KeyCache {
  private readonly known: BoundedCache<string, Viewer>;
  private readonly unknown: BoundedCache<string, string>;
  private readonly inflight = new Map<string, Promise<KeyLookup>>();
  private uses = new Map<string, number>();
  private epoch = 0;
  private readonly now: () => number;
  /** Keys validated before the feed was lost (hash id → viewer), for lookups the database cannot answer. */
  private keptAside = new Map<string, Viewer>();
  private lostAt = 0;
  private readonly outageGraceMs: number;

  /**
   * @param lookup reads a key by its SHA-256 hash from the database (one statement).
   * @param trusted true while revocation notices are being received; the cache is used only then.
   */
  constructor(
    private readonly lookup: (hash: Buffer) => Promise<KeyLookup>,
    private readonly trusted: () => boolean,
    opts: KeyCacheOptions = {},
  ) {
    const o = { ...DEFAULT_KEY_CACHE, ...opts };
    this.now = opts.now ?? Date.now;
    this.outageGraceMs = o.outageGraceMs;
    this.known = new BoundedCache(o.maxKeys, o.keyTtlMs, this.now);
    this.unknown = new BoundedCache(o.maxUnknown, o.unknownTtlMs, this.now);
  }

  /**
   * The Viewer of an API key (the bare token, already taken out of its header),
   * from memory when possible; throws DomainError UNAUTHENTICATED for an unknown
   * or revoked key. Sends no SQL when the answer is cached and the feed is up.
   * The returned Viewer is frozen and shared: never modify it.
   */
  async authenticate(token: string): Promise<Viewer> {
    const hash = hashApiKey(token);
    const id = hash.toString('base64');
    if (this.trusted()) {
      const viewer = this.known.get(id);
      if (viewer) return this.used(viewer);
      const refusal = this.unknown.get(id);
      if (refusal !== undefined) throw new DomainError(ErrorCode.UNAUTHENTICATED, refusal);
    }
    let result: KeyLookup;
    try {
      result = await this.lookupOnce(id, hash);
    } catch (err) {
      const kept = isConnectionError(err) ? this.keptAside.get(id) : undefined;
      if (kept && this.now() - this.lostAt <= this.outageGraceMs) return this.used(kept);
      throw err;
    }
    if ('refused' in result) throw new DomainError(ErrorCode.UNAUTHENTICATED, result.refused);
    return this.used(result.viewer);
  }

  /** Forgets the key with this id (a revocation notice). */
  revoked(apiKeyId: string): void {
    this.bumpEpoch();
    this.known.deleteWhere((v) => v.apiKeyId === apiKeyId);
    for (const [id, v] of this.keptAside) if (v.apiKeyId === apiKeyId) this.keptAside.delete(id);
  }

  /** Forgets everything (the revocation feed came back, so the database can be asked again). */
  invalidateAll(): void {
    this.bumpEpoch();
    this.known.clear();
    this.unknown.clear();
    this.keptAside.clear();
  }

  /**
   * The revocation feed was lost: forgets everything, but keeps the valid keys
   * aside for lookups that fail because the database is unreachable, for at
   * most `outageGraceMs` from now (see the file comment).
   */
  feedLost(): void {
    const kept = new Map<string, Viewer>();
    for (const [id, viewer] of this.known.entries()) kept.set(id, viewer);
    this.invalidateAll();
    if (this.outageGraceMs <= 0) return;
    this.keptAside = kept;
    this.lostAt = this.now();
  }

  /** Key uses recorded since the last call (key id → time of the latest use, ms); the record starts empty again. */
  takeUses(): Map<string, number> {
    const taken = this.uses;
    this.uses = new Map();
    return taken;
  }

  /** Puts back uses that could not be written, keeping the later time where both exist. */
  restoreUses(uses: ReadonlyMap<string, number>): void {
    for (const [id, at] of uses) this.uses.set(id, Math.max(at, this.uses.get(id) ?? 0));
  }

  /** Entry counts, for tests and metrics. */
  get stats(): { keys: number; unknown: number; inflight: number; pendingUses: number; keptAside: number } {
    return {
      keys: this.known.size,
      unknown: this.unknown.size,
      inflight: this.inflight.size,
      pendingUses: this.uses.size,
      keptAside: this.keptAside.size,
    };
  }

  private used(viewer: Viewer): Viewer {
    if (viewer.apiKeyId) this.uses.set(viewer.apiKeyId, this.now());
    return viewer;
  }

  private bumpEpoch(): void {
    this.epoch++;
    // Lookups already running may have read the key before the change: later requests must not share them.
    this.inflight.clear();
  }

  /** One lookup per hash at a time: a burst of requests with a cold key sends one statement. */
  private lookupOnce(id: string, hash: Buffer): Promise<KeyLookup> {
    const running = this.inflight.get(id);
    if (running) return running;
    const epoch = this.epoch;
    const p: Promise<KeyLookup> = this.lookup(hash)
      .then((result) => {
        if (epoch === this.epoch && this.trusted()) {
          if ('viewer' in result) this.known.set(id, Object.freeze({ ...result.viewer, scopes: Object.freeze([...result.viewer.scopes]) }));
          else this.unknown.set(id, result.refused);
        }
        return result;
      })
      .finally(() => {
        if (this.inflight.get(id) === p) this.inflight.delete(id);
      });
    this.inflight.set(id, p);
    return p;
  }
}
