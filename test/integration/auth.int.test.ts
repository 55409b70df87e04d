/**
 * API keys, roles, revocation, rate limits and subscription caps over real
 * HTTP and WebSocket on real PostgreSQL. Where "every instance" matters, a
 * second app instance is started on the same database.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { getIntrospectionQuery, print, type DocumentNode } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { startApp, type App } from '../../src/app';
import type { Config } from '../../src/config';
import { createLogger } from '../../src/shared/logger';
import {
  ApiKeysDocument,
  AuthCustomerEventsDocument,
  CreateApiKeyDocument,
  CreateCustomerDocument,
  RevokeApiKeyDocument,
  ViewerDocument,
} from '../generated/graphql';
import { openDataSource } from '../support/database';
import {
  bearer,
  postRaw as post,
  startTestServer,
  TEST_PARTNER,
  type GraphQLResponse,
  type RawResponse,
  type TestServer,
} from '../support/server';
import { shareWithPartner } from '../factories';

const run = promisify(execFile);
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

const codes = (r: { body: GraphQLResponse<unknown> } | GraphQLResponse<unknown>) =>
  ('body' in r ? r.body : r).errors?.map((e) => e.extensions?.code) ?? [];

async function waitUntil(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A graphql-ws client that connects at once and never retries; records how it closed. */
function wsClient(url: string, secret: string | null): { client: Client; closeCode: () => number | null; connected: () => boolean } {
  let closeCode: number | null = null;
  let connected = false;
  const client = createClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: false,
    connectionParams: secret ? bearer(secret) : {},
    onNonLazyError: () => undefined,
    on: {
      connected: () => (connected = true),
      closed: (e) => (closeCode = (e as { code: number }).code),
    },
  });
  return { client, closeCode: () => closeCode, connected: () => connected };
}

/** Starts a subscription; its errors (an `error` message) are collected. */
function openSubscription(client: Client, doc: DocumentNode) {
  const errors: { message: string; extensions?: Record<string, unknown> }[] = [];
  let ended = false;
  const dispose = client.subscribe(
    { query: print(doc) },
    {
      next: () => undefined,
      error: (err) => {
        if (Array.isArray(err)) errors.push(...(err as typeof errors));
        ended = true;
      },
      complete: () => (ended = true),
    },
  );
  return { errors, ended: () => ended, dispose };
}

/** Another API instance on the same database (what a second server behind a load balancer is). */
async function secondInstance(
  config: Partial<Config> = {},
  extra: { playgroundApiKey?: string; dbUrl?: string } = {},
): Promise<{ app: App; stop(): Promise<void> }> {
  const ds = await openDataSource(extra.dbUrl ?? server.db.url);
  const app = await startApp({
    config: { host: '127.0.0.1', port: 0, rateLimitPerMinute: 1_000_000, anonymousRateLimitPerMinute: 1_000_000, ...config },
    ds,
    log: createLogger('silent'),
    playgroundApiKey: extra.playgroundApiKey,
  });
  return {
    app,
    async stop() {
      await app.stop();
      await ds.destroy();
    },
  };
}

async function customerCount(): Promise<number> {
  const [{ n }] = await server.ds.query(`SELECT count(*)::int AS n FROM customer`);
  return n;
}

describe('API keys', () => {
  it('returns the secret once and stores only its SHA-256 hash and a visible prefix', async () => {
    const created = (
      await server.query(CreateApiKeyDocument, { input: { label: 'Shop integration', role: 'SERVICE', scopes: ['PII_READ'] } })
    ).createApiKey;
    expect(created.secret).toMatch(/^cgk_[0-9a-f]{8}_[A-Za-z0-9_-]{43}$/);
    expect(created.apiKey).toMatchObject({
      prefix: created.secret.slice(0, 12),
      label: 'Shop integration',
      role: 'SERVICE',
      scopes: ['PII_READ'],
      source: 'API',
      revokedAt: null,
      lastUsedAt: null,
    });

    const rows: { secret_hash: Buffer; row: string }[] = await server.ds.query(
      `SELECT secret_hash, row_to_json(k)::text AS row FROM api_key k WHERE prefix = $1`,
      [created.apiKey.prefix],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].secret_hash.equals(createHash('sha256').update(created.secret).digest())).toBe(true);
    const secretPart = created.secret.slice(13);
    expect(rows[0].row).not.toContain(secretPart);

    const listed = await server.query(ApiKeysDocument, { first: 50 });
    expect(listed.apiKeys.edges.map((e) => e.node.prefix)).toContain(created.apiKey.prefix);
    expect(JSON.stringify(listed)).not.toContain(secretPart);

    const viewer = await post(server.url, ViewerDocument, {}, bearer(created.secret));
    expect(viewer.body.data).toEqual({
      viewer: {
        role: 'SERVICE',
        scopes: ['PII_READ'],
        keyPrefix: created.apiKey.prefix,
        rateLimitPerMinute: 1_000_000,
        maxSubscriptions: 20,
      },
    });
    const [{ used }] = await server.ds.query(`SELECT last_used_at IS NOT NULL AS used FROM api_key WHERE prefix = $1`, [
      created.apiKey.prefix,
    ]);
    expect(used).toBe(true);
  });

  it('refuses a PARTNER key that could read personal data, and a blank label', async () => {
    const partner = await server.request(CreateApiKeyDocument, { input: { label: 'Agency', role: 'PARTNER', scopes: ['PII_READ'] } });
    expect(partner.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.scopes' });
    const blank = await server.request(CreateApiKeyDocument, { input: { label: '   ', role: 'ANALYST' } });
    expect(blank.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.label' });
  });

  it('lets only ADMIN manage keys', async () => {
    const analyst = await server.createKey({ role: 'ANALYST', scopes: ['pii:read'] });
    const res = await post(server.url, CreateApiKeyDocument, { input: { label: 'sneaky', role: 'ADMIN' } }, bearer(analyst));
    expect(codes(res)).toEqual(['FORBIDDEN']);
    expect(codes(await post(server.url, ApiKeysDocument, {}, bearer(analyst)))).toEqual(['FORBIDDEN']);
    const [{ n }] = await server.ds.query(`SELECT count(*)::int AS n FROM api_key WHERE label = 'sneaky'`);
    expect(n).toBe(0);
  });
});

describe('anonymous requests', () => {
  it('may introspect and read health, nothing else', async () => {
    const intro = await post(server.url, getIntrospectionQuery());
    expect(intro.status).toBe(200);
    expect(intro.body.errors).toBeUndefined();
    expect((intro.body.data as { __schema: { queryType: { name: string } } }).__schema.queryType.name).toBe('Query');

    const read = await post(server.url, '{ customers(first: 1) { totalCount } }');
    expect(codes(read)).toEqual(['UNAUTHENTICATED']);
    expect(read.body.data).toBeNull();

    const before = await customerCount();
    const write = await post(server.url, CreateCustomerDocument, { input: { name: 'Anonymous Writer' } });
    expect(codes(write)).toEqual(['UNAUTHENTICATED']);
    expect(await customerCount()).toBe(before);

    expect((await fetch(server.url.replace('/graphql', '/healthz'))).status).toBe(200);
  });

  it('get no "did you mean" suggestions, while key holders do', async () => {
    const anon = await post(server.url, '{ custmers { totalCount } }');
    expect(codes(anon)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(anon.body.errors![0].message).toBe('Cannot query field "custmers" on type "Query".');
    const admin = await post(server.url, '{ custmers { totalCount } }', {}, bearer(server.adminKey));
    expect(admin.body.errors![0].message).toMatch(/Did you mean "customers"/);
  });
});

describe('bad credentials', () => {
  it.each([
    ['a malformed header', 'Basic dXNlcjpwYXNz'],
    ['an unknown key', `Bearer cgk_00000000_${'A'.repeat(43)}`],
    ['an absurdly long key', `Bearer ${'x'.repeat(5000)}`],
  ])('%s is 401 UNAUTHENTICATED, even for introspection', async (_what, authorization) => {
    const res = await post(server.url, '{ __typename }', {}, { authorization });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect(codes(res)).toEqual(['UNAUTHENTICATED']);
  });
});

describe('roles', () => {
  it('give each role its operations and FORBIDDEN for the rest', async () => {
    const service = await server.createKey({ role: 'SERVICE' });
    const partner = await server.createKey({ role: 'PARTNER' });
    const analyst = await server.createKey({ role: 'ANALYST' });

    const made = await post<{ createCustomer: { customer: { id: string; stage: string } } }>(
      server.url,
      'mutation { createCustomer(input: { name: "Via Service" }) { customer { id stage } } }',
      {},
      bearer(service),
    );
    expect(made.body.errors).toBeUndefined();
    expect(made.body.data?.createCustomer.customer.stage).toBe('IDENTIFIED');

    const before = await customerCount();
    for (const key of [partner, analyst]) {
      const res = await post(
        server.url,
        'mutation { createCustomer(input: { name: "Not Allowed" }) { customer { id } } }',
        {},
        bearer(key),
      );
      expect(codes(res)).toEqual(['FORBIDDEN']);
      expect(res.body.errors![0].extensions).toMatchObject({ allowedRoles: ['ADMIN', 'SERVICE'] });
    }
    expect(await customerCount()).toBe(before);

    expect(codes(await post(server.url, '{ customers(first: 1) { totalCount } }', {}, bearer(service)))).toEqual(['FORBIDDEN']);
    expect(codes(await post(server.url, '{ products(first: 1) { totalCount } }', {}, bearer(service)))).toEqual([]);
    for (const key of [partner, analyst]) {
      expect(codes(await post(server.url, '{ customers(first: 1) { totalCount } }', {}, bearer(key)))).toEqual([]);
    }
  });

  it('keep business analytics to ADMIN and ANALYST', async () => {
    const partner = await server.createKey({ role: 'PARTNER' });
    const analyst = await server.createKey({ role: 'ANALYST' });
    const query = '{ valueTiers { tiers { tier } } }';
    expect(codes(await post(server.url, query, {}, bearer(partner)))).toEqual(['FORBIDDEN']);
    expect(codes(await post(server.url, query, {}, bearer(analyst)))).toEqual([]);
    for (const field of [
      'churnModel { id }',
      'reactivationCandidates(first: 1) { totalCount }',
      'referralMetrics(from: "2020-01-01T00:00:00Z", to: "2021-01-01T00:00:00Z") { from }',
    ]) {
      expect(codes(await post(server.url, `{ ${field} }`, {}, bearer(partner)))).toEqual(['FORBIDDEN']);
    }
  });

  it('report a forbidden field at its path and still deliver the rest', async () => {
    const partner = await server.createKey({ role: 'PARTNER' });
    // The partner sees the customers who share with it (partner-scope.int.test.ts tests the scope itself).
    await shareWithPartner(server.ds, TEST_PARTNER);
    const res = await post<{ a: { totalCount: number; nodes: { id: string; name: string | null }[] }; b: { id: string } | null }>(
      server.url,
      '{ a: customers(first: 1, orderBy: CREATED_AT_ASC) { totalCount nodes { id name } } b: latestCustomerEventCursor }',
      {},
      bearer(partner),
    );
    expect(res.body.data?.a.totalCount).toBeGreaterThan(0);
    expect(res.body.data?.a.nodes[0]).toEqual({ id: expect.any(String), name: null });
    expect(res.body.data?.b).toEqual(expect.any(String));
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors![0]).toMatchObject({ path: ['a', 'nodes', 0, 'name'], extensions: { code: 'FORBIDDEN', scope: 'pii:read' } });
  });
});

describe('revocation', () => {
  it('stops a key at once on HTTP and closes its open WebSockets', async () => {
    const created = (await server.query(CreateApiKeyDocument, { input: { label: 'To revoke', role: 'PARTNER', partner: 'test-partner' } }))
      .createApiKey;
    const other = await server.createKey({ role: 'PARTNER' });
    expect(codes(await post(server.url, ViewerDocument, {}, bearer(created.secret)))).toEqual([]);

    const doomed = wsClient(server.url, created.secret);
    const bystander = wsClient(server.url, other);
    const sub = openSubscription(doomed.client, AuthCustomerEventsDocument);
    await waitUntil(() => doomed.connected() && bystander.connected(), 'both WebSockets to connect');

    const revoked = (await server.query(RevokeApiKeyDocument, { input: { id: created.apiKey.id } })).revokeApiKey.apiKey;
    expect(revoked.revokedAt).not.toBeNull();

    const after = await post(server.url, ViewerDocument, {}, bearer(created.secret));
    expect(after.status).toBe(401);
    expect(after.body.errors![0].message).toContain('revoked');
    await waitUntil(() => doomed.closeCode() !== null, "the revoked key's WebSocket to close");
    expect(doomed.closeCode()).toBe(4401);
    expect(sub.ended()).toBe(true);
    expect(bystander.closeCode()).toBeNull();

    const again = wsClient(server.url, created.secret);
    await waitUntil(() => again.closeCode() !== null, 'a new connection with the revoked key to be refused');
    expect(again.closeCode()).toBe(4401);
    await Promise.all([doomed.client.dispose(), bystander.client.dispose(), again.client.dispose()]);
  });

  it('closes the WebSockets of a key revoked on another instance', async () => {
    const other = await secondInstance();
    try {
      const created = (await server.query(CreateApiKeyDocument, { input: { label: 'Revoked elsewhere', role: 'ANALYST' } })).createApiKey;
      const ws = wsClient(server.url, created.secret);
      await waitUntil(() => ws.connected(), 'the WebSocket to connect');
      const res = await post(other.app.url, RevokeApiKeyDocument, { input: { id: created.apiKey.id } }, bearer(server.adminKey));
      expect(codes(res)).toEqual([]);
      await waitUntil(() => ws.closeCode() !== null, 'the WebSocket on the first instance to close');
      expect(ws.closeCode()).toBe(4401);
      await ws.client.dispose();
    } finally {
      await other.stop();
    }
  });

  it('refuses WebSocket connections without a key', async () => {
    const anon = wsClient(server.url, null);
    await waitUntil(() => anon.closeCode() !== null, 'the anonymous connection to be refused');
    expect(anon.closeCode()).toBe(4401);
    await anon.client.dispose();
  });
});

describe('rate limits', () => {
  it('answer RATE_LIMITED with retryAfter and Retry-After once a key has used its minute', async () => {
    const limited = await server.createKey({ role: 'PARTNER', rateLimitPerMinute: 3 });
    const fresh = await server.createKey({ role: 'PARTNER', rateLimitPerMinute: 3 });
    for (let i = 0; i < 3; i++) expect(codes(await post(server.url, ViewerDocument, {}, bearer(limited)))).toEqual([]);
    const refused = await post(server.url, ViewerDocument, {}, bearer(limited));
    expect(refused.status).toBe(429);
    expect(codes(refused)).toEqual(['RATE_LIMITED']);
    const retryAfter = refused.body.errors![0].extensions!.retryAfter as number;
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(20);
    expect(refused.headers.get('retry-after')).toBe(String(retryAfter));
    expect(refused.headers.get('ratelimit-remaining')).toBe('0');
    // Another key has its own bucket.
    expect(codes(await post(server.url, ViewerDocument, {}, bearer(fresh)))).toEqual([]);
  });

  it('are one budget across instances, because the bucket lives in PostgreSQL', async () => {
    const other = await secondInstance();
    try {
      const key = await server.createKey({ role: 'ANALYST', rateLimitPerMinute: 4 });
      for (const url of [server.url, other.app.url, server.url, other.app.url])
        expect(codes(await post(url, ViewerDocument, {}, bearer(key)))).toEqual([]);
      expect(codes(await post(other.app.url, ViewerDocument, {}, bearer(key)))).toEqual(['RATE_LIMITED']);
      expect(codes(await post(server.url, ViewerDocument, {}, bearer(key)))).toEqual(['RATE_LIMITED']);
    } finally {
      await other.stop();
    }
  });

  it('limit anonymous clients per address', async () => {
    const strict = await secondInstance({ anonymousRateLimitPerMinute: 2 });
    try {
      // The address's bucket may already be partly used by this file's anonymous requests: drain it.
      let res: RawResponse;
      let sent = 0;
      do {
        res = await post(strict.app.url, '{ __typename }');
        sent++;
      } while (res.status !== 429 && sent < 5);
      expect(sent).toBeLessThanOrEqual(3);
      expect(codes(res)).toEqual(['RATE_LIMITED']);
      // A key is not limited by the address's bucket.
      expect(codes(await post(strict.app.url, ViewerDocument, {}, bearer(server.adminKey)))).toEqual([]);
    } finally {
      await strict.stop();
    }
  });

  it('cap open subscriptions per key across instances', async () => {
    const other = await secondInstance();
    const key = await server.createKey({ role: 'PARTNER', maxSubscriptions: 1 });
    const a = wsClient(server.url, key);
    const b = wsClient(other.app.url, key);
    try {
      const first = openSubscription(a.client, AuthCustomerEventsDocument);
      await waitUntil(async () => {
        const [{ n }] = await server.ds.query(
          `SELECT count(*)::int AS n FROM subscription_slot s JOIN api_key k ON k.id = s.api_key_id WHERE k.rate_limit_per_minute IS NULL AND k.max_subscriptions = 1`,
        );
        return n === 1;
      }, 'the first subscription to hold its slot');
      const second = openSubscription(b.client, AuthCustomerEventsDocument);
      await waitUntil(() => second.ended(), 'the second subscription to be refused');
      expect(second.errors[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', limit: 1, open: 1 });
      expect(first.ended()).toBe(false);

      first.dispose();
      await waitUntil(async () => {
        const [{ n }] = await server.ds.query(
          `SELECT count(*)::int AS n FROM subscription_slot s JOIN api_key k ON k.id = s.api_key_id WHERE k.max_subscriptions = 1`,
        );
        return n === 0;
      }, 'the slot to be given back');
      const third = openSubscription(b.client, AuthCustomerEventsDocument);
      await waitUntil(async () => {
        const [{ n }] = await server.ds.query(
          `SELECT count(*)::int AS n FROM subscription_slot s JOIN api_key k ON k.id = s.api_key_id WHERE k.max_subscriptions = 1`,
        );
        return n === 1 || third.ended();
      }, 'a new subscription to take the freed slot');
      expect(third.errors).toEqual([]);
      third.dispose();
    } finally {
      await Promise.all([a.client.dispose(), b.client.dispose()]);
      await other.stop();
    }
  });
});

describe('ADMIN_API_KEY', () => {
  it('a new value replaces the old key; a revoked value stays revoked', async () => {
    // A database of its own: replacing the environment key would revoke this file's admin key.
    const own = await startTestServer();
    const dbUrl = own.db.url;
    const first = `env-admin-${'a'.repeat(24)}`;
    const second = `env-admin-${'b'.repeat(24)}`;
    expect((await post(own.url, ViewerDocument, {}, bearer(own.adminKey))).status).toBe(200);
    const one = await secondInstance({ adminApiKey: first }, { dbUrl });
    expect((await post(one.app.url, ViewerDocument, {}, bearer(first))).body.data).toMatchObject({ viewer: { role: 'ADMIN' } });
    await one.stop();

    expect((await post(own.url, ViewerDocument, {}, bearer(own.adminKey))).status).toBe(401);
    const two = await secondInstance({ adminApiKey: second }, { dbUrl });
    try {
      expect((await post(two.app.url, ViewerDocument, {}, bearer(second))).body.data).toMatchObject({ viewer: { role: 'ADMIN' } });
      expect((await post(two.app.url, ViewerDocument, {}, bearer(first))).status).toBe(401);
      const [{ id }] = await own.ds.query(`SELECT id::text AS id FROM api_key WHERE source = 'env' AND revoked_at IS NULL`);
      await own.app.services.apiKeys.revoke(id);
    } finally {
      await two.stop();
    }
    const three = await secondInstance({ adminApiKey: second }, { dbUrl });
    try {
      expect((await post(three.app.url, ViewerDocument, {}, bearer(second))).status).toBe(401);
    } finally {
      await three.stop();
      await own.stop();
    }
  }, 30_000);
});

describe('npm run keys', () => {
  const cli = (...args: string[]) =>
    run(process.execPath, ['-r', './scripts/register.js', 'src/cli/keys.ts', ...args], {
      cwd: path.resolve(__dirname, '../..'),
      env: { ...process.env, DATABASE_URL: server.db.url, LOG_LEVEL: 'error' },
    });

  it('creates a key that works, lists it, and revokes it by prefix', async () => {
    const created = await cli('create', '--role', 'partner', '--partner', 'cli-partner', '--label', 'CLI partner');
    const secret = /(cgk_[0-9a-f]{8}_[A-Za-z0-9_-]{43})/.exec(created.stdout)?.[1];
    expect(secret).toBeDefined();
    expect((await post(server.url, ViewerDocument, {}, bearer(secret!))).body.data).toMatchObject({
      viewer: { role: 'PARTNER', scopes: [] },
    });

    const prefix = secret!.slice(0, 12);
    expect((await cli('list')).stdout).toContain(prefix);
    await cli('revoke', prefix);
    expect((await post(server.url, ViewerDocument, {}, bearer(secret!))).status).toBe(401);
    expect((await cli('list')).stdout).not.toContain(prefix);
    expect((await cli('list', '--all')).stdout).toMatch(new RegExp(`${prefix}.*revoked`));

    await expect(cli('create', '--role', 'partner', '--scope', 'pii:read')).rejects.toMatchObject({
      stderr: expect.stringContaining('PARTNER key cannot read personal data'),
    });
  }, 60_000);
});

describe('errors and the playground', () => {
  it('mask unexpected errors with an error id and the request id of X-Request-Id', async () => {
    await server.ds.query(`ALTER TABLE persona RENAME TO persona_hidden`);
    try {
      const res = await post(server.url, '{ personas(first: 1) { totalCount nodes { id } } }', {}, bearer(server.adminKey));
      const error = res.body.errors![0];
      expect(error.extensions).toMatchObject({ code: 'INTERNAL_SERVER_ERROR', requestId: res.headers.get('x-request-id') });
      expect(error.extensions!.errorId).toEqual(expect.any(String));
      expect(JSON.stringify(res.body)).not.toMatch(/persona_hidden|relation|SELECT/i);
    } finally {
      await server.ds.query(`ALTER TABLE persona_hidden RENAME TO persona`);
    }
  });

  it('pre-fills the admin key in the playground of a loopback server', async () => {
    const key = `playground-admin-${'p'.repeat(20)}`;
    const other = await secondInstance({ adminApiKey: key }, { playgroundApiKey: key });
    try {
      const html = await (await fetch(other.app.url, { headers: { accept: 'text/html' } })).text();
      expect(html).toContain(key);
    } finally {
      await other.stop();
    }
  });
});
