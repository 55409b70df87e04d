/**
 * The read path sends no auth SQL once warm: API keys are cached per instance
 * and dropped everywhere on revocation, rate limits are counted locally from
 * blocks leased in PostgreSQL. Two API instances on one database, real HTTP.
 *
 * Statements are counted with an onQuery hook that sees the INFRA_SQL_TAG
 * ones (StatementCounter skips them on purpose). Subscription-slot upkeep is
 * tagged too but is a timer, not a request, so it is left out.
 */
import { randomBytes } from 'node:crypto';
import { INFRA_SQL_TAG, leaseSize } from '../../src/modules/auth';
import { CreateApiKeyDocument, RevokeApiKeyDocument, ViewerDocument } from '../generated/graphql';
import { bearer, postRaw as post, startTestServer, type RawResponse, type TestServer } from '../support/server';

/** Infra-tagged statements sent by one instance, subscription-slot and instance-lease heartbeats aside. */
class InfraLog {
  statements: string[] = [];
  readonly onQuery = (sql: string) => {
    if (sql.startsWith(INFRA_SQL_TAG) && !sql.includes('subscription_slot') && !sql.includes('api_instance')) this.statements.push(sql);
  };
  reset(): void {
    this.statements = [];
  }
  matching(re: RegExp): string[] {
    return this.statements.filter((s) => re.test(s));
  }
}

const KEY_LOOKUP = /secret_hash = \$1/;
const LEASE = /INSERT INTO rate_limit_bucket/;

const logA = new InfraLog();
const logB = new InfraLog();
let a: TestServer;
let b: TestServer;

beforeAll(async () => {
  a = await startTestServer({ onQuery: logA.onQuery });
  b = await startTestServer({ sameDatabaseAs: a, onQuery: logB.onQuery });
});
afterAll(async () => {
  await b?.stop();
  await a?.stop();
});

const codes = (r: RawResponse<unknown>) => r.body.errors?.map((e) => e.extensions?.code) ?? [];

async function waitUntil(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('a warm request sends no auth or rate-limit SQL', () => {
  // First in the file, well inside every background timer's first period (leased tokens are held 10 s, key uses written each minute).
  it('after the first request with a key, repeated requests send no infra statement', async () => {
    const key = await a.createKey({ role: 'ANALYST' });
    logA.reset();
    expect(codes(await post(a.url, ViewerDocument, {}, bearer(key)))).toEqual([]);
    expect(logA.matching(KEY_LOOKUP)).toHaveLength(1);
    expect(logA.matching(LEASE)).toHaveLength(1);

    logA.reset();
    for (let i = 0; i < 20; i++) expect(codes(await post(a.url, ViewerDocument, {}, bearer(key)))).toEqual([]);
    expect(logA.statements).toEqual([]);
  });

  it('so do repeated anonymous requests', async () => {
    await post(a.url, '{ __typename }');
    logA.reset();
    for (let i = 0; i < 20; i++) expect((await post(a.url, '{ __typename }')).status).toBe(200);
    expect(logA.statements).toEqual([]);
  });

  it('leases rate-limit tokens a block at a time: 250 requests, 3 leases', async () => {
    const key = await a.createKey({ role: 'PARTNER' });
    expect(leaseSize(1_000_000)).toBe(100);
    logA.reset();
    for (let i = 0; i < 250; i++) expect((await post(a.url, ViewerDocument, {}, bearer(key))).status).toBe(200);
    expect(logA.matching(KEY_LOOKUP)).toHaveLength(1);
    expect(logA.matching(LEASE)).toHaveLength(3);
    expect(logA.statements).toHaveLength(4);
  });

  it('keeps last_used_at current without writing on the request path', async () => {
    const created = (await a.query(CreateApiKeyDocument, { input: { label: 'last used', role: 'PARTNER', partner: 'test-partner' } }))
      .createApiKey;
    await post(a.url, ViewerDocument, {}, bearer(created.secret));
    const usedAt = async () =>
      (
        (await a.ds.query(`SELECT last_used_at FROM api_key WHERE prefix = $1`, [created.apiKey.prefix])) as { last_used_at: Date | null }[]
      )[0].last_used_at;
    expect(await usedAt()).not.toBeNull(); // the first lookup records the first use at once
    await a.ds.query(`UPDATE api_key SET last_used_at = '2020-01-01T00:00:00Z' WHERE prefix = $1`, [created.apiKey.prefix]);

    logA.reset();
    const before = Date.now();
    await post(a.url, ViewerDocument, {}, bearer(created.secret));
    expect(logA.statements).toEqual([]);
    expect((await usedAt())!.toISOString()).toBe('2020-01-01T00:00:00.000Z');

    await a.app.auth.flushKeyUses(); // what the upkeep does every minute, in one UPDATE for all keys
    expect(logA.matching(/UPDATE api_key/)).toHaveLength(1);
    expect((await usedAt())!.getTime()).toBeGreaterThanOrEqual(before - 1_000);
  });
});

describe("revocation reaches every instance's cache", () => {
  it('a key revoked on instance A is refused on the very next request on instance B, which had it cached', async () => {
    const created = (await a.query(CreateApiKeyDocument, { input: { label: 'Cached on B', role: 'ANALYST' } })).createApiKey;
    expect(codes(await post(b.url, ViewerDocument, {}, bearer(created.secret)))).toEqual([]);
    logB.reset();
    expect(codes(await post(b.url, ViewerDocument, {}, bearer(created.secret)))).toEqual([]);
    expect(logB.statements).toEqual([]); // B answers from its cache

    const revoked = await post(a.url, RevokeApiKeyDocument, { input: { id: created.apiKey.id } }, bearer(a.adminKey));
    expect(codes(revoked)).toEqual([]);
    const onB = await post(b.url, ViewerDocument, {}, bearer(created.secret));
    expect(onB.status).toBe(401);
    expect(onB.body.errors![0].message).toContain('revoked');
    const onA = await post(a.url, ViewerDocument, {}, bearer(created.secret));
    expect(onA.status).toBe(401);
  });

  it('an instance that loses its feed stops trusting its cache, and empties it when the feed is back', async () => {
    const doomed = (
      await a.query(CreateApiKeyDocument, { input: { label: 'Revoked while B was deaf', role: 'PARTNER', partner: 'test-partner' } })
    ).createApiKey;
    const kept = await a.createKey({ role: 'PARTNER' });
    for (const secret of [doomed.secret, kept]) await post(b.url, ViewerDocument, {}, bearer(secret));
    logB.reset();
    await post(b.url, ViewerDocument, {}, bearer(doomed.secret));
    expect(logB.statements).toEqual([]);

    const states: boolean[] = [];
    const off = b.app.auth.revocations.onStateChange((listening) => states.push(listening));
    try {
      // Revoke without a notice and cut every revocation feed in the same statement: nobody hears of it.
      await a.ds.query(
        `WITH revoked AS (UPDATE api_key SET revoked_at = now() WHERE prefix = $1 RETURNING id)
         SELECT pg_terminate_backend(pid) FROM pg_stat_activity, revoked
          WHERE datname = current_database() AND application_name = 'customer-graph-revocations'`,
        [doomed.apiKey.prefix],
      );
      await waitUntil(() => states.includes(false), 'B to notice that its feed is gone');

      const whileDown = await post(b.url, ViewerDocument, {}, bearer(doomed.secret));
      expect(whileDown.status).toBe(401);
      logB.reset();
      expect((await post(b.url, ViewerDocument, {}, bearer(kept))).status).toBe(200);
      // Not served from the cache of before the loss (emptied on loss and again on reconnect, whichever came first).
      expect(logB.matching(KEY_LOOKUP)).toHaveLength(1);

      await waitUntil(() => b.app.auth.revocations.listening, "B's feed to reconnect");
      expect((await post(b.url, ViewerDocument, {}, bearer(doomed.secret))).status).toBe(401);
      // Trusted again: a valid key is cached once more.
      await post(b.url, ViewerDocument, {}, bearer(kept));
      logB.reset();
      expect((await post(b.url, ViewerDocument, {}, bearer(kept))).status).toBe(200);
      expect(logB.statements).toEqual([]);
    } finally {
      off();
    }
  });
});

describe('one rate limit across instances', () => {
  it('a limit of 5 a minute is exact: 5 allowed over both instances, then 429 with Retry-After', async () => {
    const key = await a.createKey({ role: 'PARTNER', rateLimitPerMinute: 5 });
    expect(leaseSize(5)).toBe(1);
    const results: RawResponse[] = [];
    for (let i = 0; i < 12; i++) results.push(await post(i % 2 ? b.url : a.url, ViewerDocument, {}, bearer(key)));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 429, 429, 429, 429, 429, 429, 429]);
    for (const refused of results.slice(5)) {
      expect(codes(refused)).toEqual(['RATE_LIMITED']);
      const retryAfter = refused.body.errors![0].extensions!.retryAfter as number;
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(12);
      expect(refused.headers.get('retry-after')).toBe(String(retryAfter));
      expect(refused.headers.get('ratelimit-limit')).toBe('5');
      expect(refused.headers.get('ratelimit-remaining')).toBe('0');
    }
  });

  it('concurrent requests over both instances get at most the limit plus one block per instance', async () => {
    const perMinute = 200;
    const block = leaseSize(perMinute);
    expect(block).toBe(10);
    const key = await a.createKey({ role: 'PARTNER', rateLimitPerMinute: perMinute });
    const started = Date.now();
    let allowed = 0;
    let refused = 0;
    for (let round = 0; round < 15; round++) {
      const batch = await Promise.all(Array.from({ length: 20 }, (_, i) => post(i % 2 ? b.url : a.url, ViewerDocument, {}, bearer(key))));
      for (const r of batch) {
        if (r.status === 200) allowed++;
        else {
          expect(codes(r)).toEqual(['RATE_LIMITED']);
          refused++;
        }
      }
    }
    const refilled = Math.ceil((((Date.now() - started) / 1000) * perMinute) / 60);
    expect(allowed + refused).toBe(300);
    expect(allowed).toBeLessThanOrEqual(perMinute + refilled + 2 * block);
    expect(allowed).toBeGreaterThanOrEqual(perMinute - 2 * block);
    // Drained: both instances refuse now (a token refilled since may let one through).
    const after = await Promise.all([a.url, b.url, a.url, b.url].map((url) => post(url, ViewerDocument, {}, bearer(key))));
    expect(after.filter((r) => r.status === 429).length).toBeGreaterThanOrEqual(3);
  });

  it('anonymous clients are limited per address across instances too', async () => {
    // Two more instances that believe X-Forwarded-For, with 4 anonymous requests a minute.
    const config = { anonymousRateLimitPerMinute: 4, trustProxy: 1 };
    const c = await startTestServer({ sameDatabaseAs: a, config });
    const d = await startTestServer({ sameDatabaseAs: a, config });
    try {
      const client = { 'x-forwarded-for': '203.0.113.7' };
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) statuses.push((await post(i % 2 ? d.url : c.url, '{ __typename }', {}, client)).status);
      expect(statuses).toEqual([200, 200, 200, 200, 429, 429, 429, 429]);
      // Another address has its own bucket.
      expect((await post(d.url, '{ __typename }', {}, { 'x-forwarded-for': '203.0.113.8' })).status).toBe(200);
    } finally {
      await d.stop();
      await c.stop();
    }
  });
});

describe('unknown keys', () => {
  it('are 401, and are remembered briefly so a repeat costs no lookup', async () => {
    const unknown = `cgk_00000000_${randomBytes(32).toString('base64url')}`;
    logA.reset();
    const first = await post(a.url, ViewerDocument, {}, bearer(unknown));
    expect(first.status).toBe(401);
    expect(codes(first)).toEqual(['UNAUTHENTICATED']);
    expect(first.headers.get('www-authenticate')).toBe('Bearer');
    const again = await post(a.url, ViewerDocument, {}, bearer(unknown));
    expect(again.status).toBe(401);
    expect(logA.matching(KEY_LOOKUP)).toHaveLength(1);
  });

  it('a flood of random keys is refused and leaves memory bounded', async () => {
    const cache = a.app.auth.keyCache;
    await post(a.url, ViewerDocument, {}, bearer(a.adminKey));
    const before = cache.stats;
    const flood = await Promise.all(
      Array.from({ length: 200 }, () =>
        post(a.url, '{ __typename }', {}, bearer(`cgk_${randomBytes(4).toString('hex')}_${randomBytes(32).toString('base64url')}`)),
      ),
    );
    expect(flood.every((r) => r.status === 401)).toBe(true);
    const after = cache.stats;
    expect(after.unknown).toBeLessThanOrEqual(Math.min(before.unknown + 200, 10_000));
    expect(after.keys).toBe(before.keys);
    expect(after.inflight).toBe(0);
    // Valid keys are still served from memory.
    logA.reset();
    expect((await post(a.url, ViewerDocument, {}, bearer(a.adminKey))).status).toBe(200);
    expect(logA.matching(KEY_LOOKUP)).toEqual([]);
  });
});
