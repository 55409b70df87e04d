/**
 * Request rate limits shared by every API instance: a token bucket per API key
 * (per client address for anonymous requests) kept in PostgreSQL. Each request
 * takes one token in a single `INSERT … ON CONFLICT DO UPDATE … RETURNING`,
 * which PostgreSQL serializes per bucket row, so N instances enforce one limit
 * together. A bucket holds `perMinute` tokens (the burst) and refills at
 * `perMinute / 60` tokens a second, so there is no doubled burst at a window
 * edge as with fixed windows, and a bucket left alone for a minute is full —
 * which is why idle rows can be deleted without losing anything.
 */
import type { DataSource } from 'typeorm';
import { INFRA_SQL_TAG } from './api-key.service';
import type { Viewer } from './viewer';

export interface RateLimitSettings {
  /** Requests per minute for a key without its own limit. */
  keyPerMinute: number;
  /** Requests per minute for each anonymous client address. */
  anonymousPerMinute: number;
}

export const DEFAULT_RATE_LIMITS: RateLimitSettings = { keyPerMinute: 600, anonymousPerMinute: 60 };

export interface RateLimitDecision {
  allowed: boolean;
  /** The bucket's size: requests per minute. */
  limit: number;
  /** Whole requests left right now. */
  remaining: number;
  /** Seconds until one request is allowed again (0 when allowed). */
  retryAfterSeconds: number;
}

export class RateLimiter {
  constructor(
    private readonly ds: DataSource,
    private readonly settings: RateLimitSettings = DEFAULT_RATE_LIMITS,
  ) {}

  /** The bucket a request draws from and its size. */
  bucketFor(viewer: Viewer, clientAddress: string): { bucket: string; perMinute: number } {
    if (viewer.apiKeyId) return { bucket: `key:${viewer.apiKeyId}`, perMinute: viewer.rateLimitPerMinute ?? this.settings.keyPerMinute };
    return { bucket: `ip:${clientAddress || 'unknown'}`, perMinute: this.settings.anonymousPerMinute };
  }

  /** Takes one token for this request; one SQL statement. */
  async take(viewer: Viewer, clientAddress: string): Promise<RateLimitDecision> {
    const { bucket, perMinute } = this.bucketFor(viewer, clientAddress);
    const perSecond = perMinute / 60;
    // $2 = capacity, $3 = refill per second. Every right-hand side reads the old row.
    const refilled = `LEAST($2::float8, b.tokens + GREATEST(0, EXTRACT(EPOCH FROM (now() - b.updated_at))) * $3::float8)`;
    const rows: { tokens: number; allowed: boolean }[] = await this.ds.query(
      `${INFRA_SQL_TAG} INSERT INTO rate_limit_bucket AS b (bucket, tokens, allowed, updated_at)
       VALUES ($1, $2::float8 - 1, true, now())
       ON CONFLICT (bucket) DO UPDATE SET
         tokens = ${refilled} - CASE WHEN ${refilled} >= 1 THEN 1 ELSE 0 END,
         allowed = ${refilled} >= 1,
         updated_at = now()
       RETURNING tokens, allowed`,
      [bucket, perMinute, perSecond],
    );
    const { tokens, allowed } = rows[0];
    return {
      allowed,
      limit: perMinute,
      remaining: Math.max(0, Math.floor(tokens)),
      retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil((1 - tokens) / perSecond)),
    };
  }

  /** Deletes buckets idle long enough to have refilled completely; returns how many. */
  async prune(): Promise<number> {
    const res: [unknown[], number] = await this.ds.query(`${INFRA_SQL_TAG} DELETE FROM rate_limit_bucket WHERE updated_at < now() - interval '2 minutes'`);
    return Array.isArray(res) ? Number(res[1] ?? 0) : 0;
  }
}
