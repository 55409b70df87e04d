/**
 * Request rate limits shared by every API instance, without a write per request.
 *
 * Each API key has one token bucket (each anonymous client address too) in
 * PostgreSQL (`rate_limit_bucket`): it holds `perMinute` tokens (the burst)
 * and refills at `perMinute / 60` a second, so there is no doubled burst at a
 * window edge as with fixed windows, and a bucket left alone for a minute is
 * full — which is why idle rows can be deleted without losing anything.
 *
 * Instances do not take one token per request from that row. An instance
 * leases a block of tokens in one `INSERT … ON CONFLICT DO UPDATE … RETURNING`
 * (PostgreSQL serializes it per row, so leases never hand out more than the
 * bucket holds), then answers requests from the block in memory — a resolved
 * promise, no SQL (lease.ts). Only when its block is used up does it lease
 * again; when the bucket has nothing to lease, it refuses locally until the
 * next token is due. Tokens held for more than 10 s unused are given back in
 * one batched UPDATE, and all of them on shutdown.
 *
 * Block size: `leaseSize(perMinute)` = perMinute / 20, at least 1, at most 100.
 * Under 40 a minute blocks are single tokens, so small limits are exact.
 *
 * The bound. Every allowed request spends a token some lease took out of the
 * shared bucket, and the bucket never hands out more than a single token
 * bucket would. What leasing adds is timing: tokens leased before an interval
 * can be spent in it. An instance holds at most one block at a time, so over
 * any interval of T seconds, N instances together allow at most
 *
 *     perMinute + perMinute·T/60 + N · leaseSize(perMinute)
 *
 * requests for one bucket — the single-bucket allowance plus at most one block
 * per instance (with 600 a minute and 4 instances: 120 more, at most, once).
 * Losing an instance (or forgetting a bucket under memory pressure) forfeits
 * its block, which only errs towards refusing.
 */
import type { DataSource } from 'typeorm';
import { INFRA_SQL_TAG } from './api-key.service';
import { LeaseBook, leaseSize, type LeaseBookOptions, type LocalBucket, type RateLimitDecision, type TokenReturn } from './lease';
import type { Viewer } from './viewer';

export { leaseSize, type RateLimitDecision } from './lease';

export interface RateLimitSettings {
  /** Requests per minute for a key without its own limit. */
  keyPerMinute: number;
  /** Requests per minute for each anonymous client address. */
  anonymousPerMinute: number;
}

export const DEFAULT_RATE_LIMITS: RateLimitSettings = { keyPerMinute: 600, anonymousPerMinute: 60 };

export class RateLimiter {
  private readonly book: LeaseBook;

  constructor(
    private readonly ds: DataSource,
    private readonly settings: RateLimitSettings = DEFAULT_RATE_LIMITS,
    opts: LeaseBookOptions = {},
  ) {
    this.book = new LeaseBook(opts);
  }

  /** The bucket a request draws from and its size. */
  bucketFor(viewer: Viewer, clientAddress: string): { bucket: string; perMinute: number } {
    if (viewer.apiKeyId) return { bucket: `key:${viewer.apiKeyId}`, perMinute: viewer.rateLimitPerMinute ?? this.settings.keyPerMinute };
    return { bucket: `ip:${clientAddress || 'unknown'}`, perMinute: this.settings.anonymousPerMinute };
  }

  /**
   * Takes one request from the viewer's bucket. Already resolved, with no SQL,
   * when this instance holds a token or knows the bucket is empty; otherwise
   * after one lease statement, shared by all requests waiting on the bucket.
   * Rejects only when that statement fails.
   */
  take(viewer: Viewer, clientAddress: string): Promise<RateLimitDecision> {
    const { bucket, perMinute } = this.bucketFor(viewer, clientAddress);
    const b = this.book.entry(bucket, perMinute);
    const decided = this.book.tryTake(b);
    return decided ? Promise.resolve(decided) : this.takeAfterLease(b);
  }

  private async takeAfterLease(b: LocalBucket): Promise<RateLimitDecision> {
    // Each round either gets tokens, learns the bucket is empty, or sees them taken by concurrent requests and leases again.
    for (;;) {
      b.leasing ??= this.lease(b).finally(() => {
        b.leasing = null;
      });
      await b.leasing;
      const decided = this.book.tryTake(b);
      if (decided) return decided;
    }
  }

  private async lease(b: LocalBucket): Promise<void> {
    const perMinute = b.perMinute;
    // $2 = capacity, $3 = refill per second, $4 = block. Every right-hand side reads the old row.
    const refilled = `LEAST($2::float8, b.tokens + GREATEST(0, EXTRACT(EPOCH FROM (now() - b.updated_at))) * $3::float8)`;
    const grant = (level: string) => `GREATEST(0, LEAST($4::float8, floor(${level})))`;
    const rows: { tokens: number; granted: number }[] = await this.ds.query(
      `${INFRA_SQL_TAG} INSERT INTO rate_limit_bucket AS b (bucket, tokens, allowed, granted, updated_at)
       VALUES ($1, $2::float8 - ${grant('$2::float8')}, true, ${grant('$2::float8')}::int, now())
       ON CONFLICT (bucket) DO UPDATE SET
         granted = ${grant(refilled)}::int,
         tokens = ${refilled} - ${grant(refilled)},
         allowed = ${refilled} >= 1,
         updated_at = now()
       RETURNING tokens, granted`,
      [b.bucket, perMinute, perMinute / 60, leaseSize(perMinute)],
    );
    this.book.leased(b, rows[0].granted, rows[0].tokens);
  }

  /** Gives back tokens this instance has held unused for too long; one statement if there are any. Returns how many tokens. */
  async returnExpired(): Promise<number> {
    return this.giveBack(this.book.expired());
  }

  /** Gives back every token this instance holds (shutdown); one statement if there are any. Returns how many tokens. */
  async drain(): Promise<number> {
    return this.giveBack(this.book.drain());
  }

  private async giveBack(returns: TokenReturn[]): Promise<number> {
    if (!returns.length) return 0;
    // Sorted, so two instances returning at once lock rows in the same order.
    returns.sort((a, b) => (a.bucket < b.bucket ? -1 : a.bucket > b.bucket ? 1 : 0));
    // A row pruned meanwhile was full anyway: nothing to give back to it.
    await this.ds.query(
      `${INFRA_SQL_TAG} UPDATE rate_limit_bucket AS b SET
         tokens = LEAST(r.cap, b.tokens + GREATEST(0, EXTRACT(EPOCH FROM (now() - b.updated_at))) * r.cap / 60 + r.n),
         updated_at = now()
       FROM unnest($1::text[], $2::float8[], $3::float8[]) AS r(bucket, n, cap)
       WHERE b.bucket = r.bucket`,
      [returns.map((r) => r.bucket), returns.map((r) => r.tokens), returns.map((r) => r.perMinute)],
    );
    return returns.reduce((n, r) => n + r.tokens, 0);
  }

  /** Deletes buckets idle long enough to have refilled completely; returns how many. */
  async prune(): Promise<number> {
    const res: [unknown[], number] = await this.ds.query(
      `${INFRA_SQL_TAG} DELETE FROM rate_limit_bucket WHERE updated_at < now() - interval '2 minutes'`,
    );
    return Array.isArray(res) ? Number(res[1] ?? 0) : 0;
  }

  /** Buckets this instance tracks (tests, metrics). */
  get trackedBuckets(): number {
    return this.book.size;
  }
}
