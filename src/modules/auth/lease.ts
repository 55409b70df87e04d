/**
 * The local half of the rate limiter: what one instance holds of each bucket's
 * allowance, and the decisions it makes from that without asking PostgreSQL.
 * Pure bookkeeping (no I/O, an injectable clock), so it is tested on its own;
 * rate-limit.ts adds the statements that lease and return tokens.
 *
 * Per bucket an instance keeps:
 *  - `tokens`: requests leased from the shared bucket and not used yet. A
 *    request that finds one takes it, and that is the whole decision;
 *  - `emptyUntil`: when the shared bucket last had nothing to lease, the time
 *    its next whole token is due. Until then requests are refused here, with
 *    that Retry-After, instead of asking again (a flood of refused requests
 *    costs nothing either);
 *  - `pool`, `poolAt`: the shared bucket's level after our last lease, to
 *    estimate RateLimit-Remaining.
 * Leftover tokens are given back (`expired`) once they have been held for
 * `holdMs`, and everything is given back on shutdown (`drain`), so a key used
 * on one instance is not starved by tokens idling on another.
 */
import { BoundedCache } from './bounded-cache';

/** Leases are this fraction of a bucket's size… */
export const LEASE_FRACTION = 20;
/** …and never more than this many tokens. */
export const MAX_LEASE = 100;

/**
 * How many tokens an instance leases at once for a bucket of `perMinute`:
 * 1/20 of it, at least 1 and at most 100. A limit under 40 a minute is thus
 * leased one token at a time and enforced exactly across instances.
 */
export function leaseSize(perMinute: number): number {
  return Math.max(1, Math.min(MAX_LEASE, Math.floor(perMinute / LEASE_FRACTION)));
}

/** The decision for one request. */
export interface RateLimitDecision {
  allowed: boolean;
  /** The bucket's size: requests per minute. */
  limit: number;
  /** Whole requests left right now (an estimate when instances share the bucket). */
  remaining: number;
  /** Seconds until one request is allowed again (0 when allowed). */
  retryAfterSeconds: number;
}

/** One bucket as this instance sees it. */
export interface LocalBucket {
  readonly bucket: string;
  perMinute: number;
  tokens: number;
  /** When the tokens now held were leased (ms). */
  leasedAt: number;
  /** Refuse without asking until then (ms); 0 when not known to be empty. */
  emptyUntil: number;
  pool: number;
  poolAt: number;
  /** The lease statement in flight, shared by every request waiting on it. */
  leasing: Promise<void> | null;
}

/** Tokens to give back to one shared bucket. */
export interface TokenReturn {
  bucket: string;
  tokens: number;
  perMinute: number;
}

export interface LeaseBookOptions {
  /** Buckets tracked at once (default 10,000); the least recently used beyond that are forgotten, their tokens forfeited. */
  maxBuckets?: number;
  /** Leftover tokens are given back after being held this long (ms, default 10 s). */
  holdMs?: number;
  now?: () => number;
}

export class LeaseBook {
  private readonly buckets: BoundedCache<string, LocalBucket>;
  readonly holdMs: number;
  private readonly now: () => number;

  constructor(opts: LeaseBookOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.holdMs = opts.holdMs ?? 10_000;
    // Forgetting a bucket only forfeits what it held, which errs towards refusing: safe to bound.
    this.buckets = new BoundedCache(opts.maxBuckets ?? 10_000, Infinity, this.now);
  }

  /** Buckets tracked. */
  get size(): number {
    return this.buckets.size;
  }

  /** The local state of `bucket` (created empty when new); `perMinute` is the size this request applies. */
  entry(bucket: string, perMinute: number): LocalBucket {
    let b = this.buckets.get(bucket);
    if (!b) {
      b = { bucket, perMinute, tokens: 0, leasedAt: 0, emptyUntil: 0, pool: perMinute, poolAt: this.now(), leasing: null };
      this.buckets.set(bucket, b);
    } else if (b.perMinute !== perMinute) {
      // The key's limit changed: what was learnt about the old size no longer holds.
      b.perMinute = perMinute;
      b.emptyUntil = 0;
    }
    return b;
  }

  /**
   * Decides from local state alone: allowed (one token taken), refused (the
   * shared bucket is known to be empty), or null — lease first.
   */
  tryTake(b: LocalBucket): RateLimitDecision | null {
    const now = this.now();
    if (b.tokens >= 1) {
      b.tokens--;
      return {
        allowed: true,
        limit: b.perMinute,
        remaining: Math.min(b.perMinute, b.tokens + Math.floor(this.poolNow(b, now))),
        retryAfterSeconds: 0,
      };
    }
    if (b.emptyUntil > now) {
      return { allowed: false, limit: b.perMinute, remaining: 0, retryAfterSeconds: Math.max(1, Math.ceil((b.emptyUntil - now) / 1000)) };
    }
    return null;
  }

  /**
   * Records a lease's outcome: `granted` tokens, and `pool`, the shared
   * bucket's level after it. Nothing granted means the bucket is empty until
   * its next whole token has refilled.
   */
  leased(b: LocalBucket, granted: number, pool: number): void {
    const now = this.now();
    b.pool = pool;
    b.poolAt = now;
    if (granted > 0) {
      b.tokens += granted;
      b.leasedAt = now;
      b.emptyUntil = 0;
    } else {
      const perMs = b.perMinute / 60_000;
      b.emptyUntil = now + Math.max(1, (1 - pool) / perMs);
    }
  }

  /**
   * Takes back the tokens held longer than `holdMs` (to return to PostgreSQL)
   * and forgets buckets that hold nothing and know nothing any more.
   */
  expired(): TokenReturn[] {
    const now = this.now();
    const out: TokenReturn[] = [];
    for (const [key, b] of this.buckets.entries()) {
      if (b.leasing) continue;
      if (b.tokens > 0 && now - b.leasedAt >= this.holdMs) {
        out.push({ bucket: b.bucket, tokens: b.tokens, perMinute: b.perMinute });
        b.tokens = 0;
      }
      if (b.tokens === 0 && b.emptyUntil <= now && now - b.leasedAt >= this.holdMs) this.buckets.delete(key);
    }
    return out;
  }

  /** Takes back every token held (shutdown) and forgets every bucket. */
  drain(): TokenReturn[] {
    const out: TokenReturn[] = [];
    for (const [, b] of this.buckets.entries()) if (b.tokens > 0) out.push({ bucket: b.bucket, tokens: b.tokens, perMinute: b.perMinute });
    this.buckets.clear();
    return out;
  }

  private poolNow(b: LocalBucket, now: number): number {
    return Math.min(b.perMinute, b.pool + ((now - b.poolAt) * b.perMinute) / 60_000);
  }
}
