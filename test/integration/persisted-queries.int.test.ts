/**
 * Persisted queries over real HTTP and WebSocket.
 *
 * - APQ (no allow-list): an unknown hash answers PERSISTED_QUERY_NOT_FOUND (the
 *   code APQ clients retry on), a registration makes the hash work, and a hash
 *   that is not the query's SHA-256 is a 400 BAD_REQUEST with nothing in the
 *   error log (it used to be a masked INTERNAL_SERVER_ERROR with a stack trace).
 * - Trusted documents (TRUSTED_DOCUMENTS = the manifest `npm run codegen`
 *   emits with GraphQL Code Generator's client preset): non-ADMIN keys run
 *   manifest documents by hash, by `documentId` or as their exact text, and
 *   nothing else (TRUSTED_DOCUMENT_REQUIRED); ADMIN keys may still send any
 *   query; APQ registrations do not extend the allow-list.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { startApp, type App } from '../../src/app';
import type { Config } from '../../src/config';
import { ApiKeyRole, ApiKeySource } from '../../src/modules/auth/auth.enums';
import { createLogger } from '../../src/shared/logger';
import { createTestDatabase, openDataSource, type TestDatabase } from '../support/database';
import { TEST_ADMIN_KEY, wsClient, waitUntil } from './events-support';
import { TEST_PARTNER } from '../support/server';

const MANIFEST = path.join(__dirname, '..', 'generated', 'persisted', 'persisted-documents.json');
const documents = JSON.parse(fs.readFileSync(MANIFEST, 'utf8')) as Record<string, string>;
/** The manifest entry whose document starts with `prefix`, as [hash without `sha256:`, document]. */
function entry(prefix: string): [string, string] {
  const found = Object.entries(documents).find(([, doc]) => doc.startsWith(prefix));
  if (!found) throw new Error(`no manifest document starts with ${prefix}; run npm run codegen`);
  return [found[0].replace(/^sha256:/, ''), found[1]];
}
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

interface Answer {
  status: number;
  body: { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: { code?: string } }[] };
}

interface Running {
  app: App;
  ds: DataSource;
  db: TestDatabase;
  lines: string[];
  post(body: Record<string, unknown>, key?: string): Promise<Answer>;
  keyFor(role: ApiKeyRole): Promise<string>;
  stop(): Promise<void>;
}

async function start(config: Partial<Config> = {}): Promise<Running> {
  const db = await createTestDatabase();
  const ds = await openDataSource(db.url);
  const lines: string[] = [];
  const app = await startApp({
    config: {
      host: '127.0.0.1',
      port: 0,
      adminApiKey: TEST_ADMIN_KEY,
      rateLimitPerMinute: 1_000_000,
      anonymousRateLimitPerMinute: 1_000_000,
      ...config,
    },
    ds,
    log: createLogger('warn', (l) => lines.push(l)),
  });
  return {
    app,
    ds,
    db,
    lines,
    async post(body, key = TEST_ADMIN_KEY) {
      const res = await fetch(app.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as Answer['body'] };
    },
    async keyFor(role) {
      const partner = role === ApiKeyRole.PARTNER ? TEST_PARTNER : undefined;
      const { secret } = await app.services.apiKeys.create({ label: `pq ${role}`, role, scopes: [], partner, source: ApiKeySource.API });
      return secret;
    },
    async stop() {
      await app.stop();
      await ds.destroy();
      await db.drop();
    },
  };
}

const persisted = (sha256Hash: string) => ({ persistedQuery: { version: 1, sha256Hash } });
const codes = (a: Answer) => (a.body.errors ?? []).map((e) => e.extensions?.code);

describe('automatic persisted queries', () => {
  let s: Running;
  beforeAll(async () => {
    s = await start();
  });
  afterAll(() => s?.stop());

  const query = '{ viewer { role } }';

  it('answers an unknown hash with PERSISTED_QUERY_NOT_FOUND, then runs it once registered', async () => {
    const unknown = await s.post({ extensions: persisted(sha256(query)) });
    expect(unknown.status).toBe(200);
    expect(codes(unknown)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);

    const registered = await s.post({ query, extensions: persisted(sha256(query)) });
    expect(registered.body).toEqual({ data: { viewer: { role: 'ADMIN' } } });
    const byHash = await s.post({ extensions: persisted(sha256(query)) });
    expect(byHash.body).toEqual({ data: { viewer: { role: 'ADMIN' } } });
  });

  it('refuses a hash that is not the query’s SHA-256 as a client error, with nothing logged as an error', async () => {
    const before = s.lines.length;
    const wrong = await s.post({ query, extensions: persisted(sha256('something else')) });
    expect(wrong.status).toBe(400);
    expect(codes(wrong)).toEqual(['BAD_REQUEST']);
    expect(wrong.body.errors![0].message).toMatch(/sha256Hash is not the SHA-256 of the query/);
    expect(JSON.stringify(wrong.body)).not.toMatch(/errorId|stack/);

    const badVersion = await s.post({ query, extensions: { persistedQuery: { version: 2, sha256Hash: sha256(query) } } });
    expect([badVersion.status, codes(badVersion)]).toEqual([400, ['BAD_REQUEST']]);
    expect(s.lines.slice(before)).toEqual([]);
  });
});

describe('trusted documents (TRUSTED_DOCUMENTS)', () => {
  let s: Running;
  let partner: string;
  const [viewerHash, viewerDoc] = entry('query Viewer ');
  const [subscriptionHash] = entry('subscription AuthCustomerEvents ');

  beforeAll(async () => {
    s = await start({ trustedDocuments: MANIFEST });
    partner = await s.keyFor(ApiKeyRole.PARTNER);
  });
  afterAll(() => s?.stop());

  it('runs a manifest document named by its hash, by documentId, or sent as its exact text', async () => {
    const expected = { viewer: expect.objectContaining({ role: 'PARTNER' }) };
    expect((await s.post({ extensions: persisted(viewerHash) }, partner)).body).toEqual({ data: expected });
    expect((await s.post({ documentId: `sha256:${viewerHash}` }, partner)).body).toEqual({ data: expected });
    expect((await s.post({ documentId: viewerHash }, partner)).body).toEqual({ data: expected });
    expect((await s.post({ query: viewerDoc }, partner)).body).toEqual({ data: expected });
  });

  it('refuses free-form queries from other keys with TRUSTED_DOCUMENT_REQUIRED (403), and unknown hashes', async () => {
    const freeForm = await s.post({ query: '{ viewer { role } }' }, partner);
    expect([freeForm.status, codes(freeForm)]).toEqual([403, ['TRUSTED_DOCUMENT_REQUIRED']]);
    expect(freeForm.body.data).toBeUndefined();

    const unknown = await s.post({ extensions: persisted(sha256('{ viewer { role } }')) }, partner);
    expect(codes(unknown)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
  });

  it('lets ADMIN keys send any query (the playground), and their APQ registrations do not extend the allow-list', async () => {
    const query = '{ viewer { role } }';
    expect((await s.post({ query })).body).toEqual({ data: { viewer: { role: 'ADMIN' } } });
    expect((await s.post({ query, extensions: persisted(sha256(query)) })).body.data).toEqual({ viewer: { role: 'ADMIN' } });
    expect(codes(await s.post({ extensions: persisted(sha256(query)) }, partner))).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
  });

  it('applies over WebSocket too: a manifest document by hash runs, free-form text from a non-ADMIN key is refused', async () => {
    const { client } = wsClient(s.app.url.replace(/^http/, 'ws'), { authorization: `Bearer ${partner}` });
    const run = (payload: { query: string; extensions?: Record<string, unknown> }) =>
      new Promise<{ data?: unknown; errors?: { extensions?: { code?: string } }[] }>((resolve) => {
        const results: unknown[] = [];
        client.subscribe(payload, {
          next: (r) => results.push(r),
          error: (errors) => resolve({ errors: errors as { extensions?: { code?: string } }[] }),
          complete: () => resolve(results[0] as { data?: unknown }),
        });
      });
    try {
      const byHash = await run({ query: '', extensions: persisted(viewerHash) });
      expect(byHash).toEqual({ data: { viewer: expect.objectContaining({ role: 'PARTNER' }) } });
      const refused = await run({ query: 'subscription { customerEvents { cursor } }' });
      expect(refused.errors?.map((e) => e.extensions?.code)).toEqual(['TRUSTED_DOCUMENT_REQUIRED']);
      const unknown = await run({ query: '', extensions: persisted(sha256('nope')) });
      expect(unknown.errors?.map((e) => e.extensions?.code)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
      // A manifest subscription by hash is accepted (it stays open: no error arrives).
      let failed: unknown = null;
      const dispose = client.subscribe(
        { query: '', extensions: persisted(subscriptionHash) },
        { next: () => {}, error: (e) => (failed = e), complete: () => {} },
      );
      await waitUntil(
        async () => (await s.ds.query(`SELECT count(*)::int AS n FROM subscription_slot`))[0].n >= 1,
        'the subscription to start',
      );
      expect(failed).toBeNull();
      dispose();
    } finally {
      await client.dispose();
    }
  });
});
