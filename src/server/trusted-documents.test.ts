import { createHash } from 'node:crypto';
import { loadConfig } from '../config';
import { documentIdAsPersistedQuery, persistedQueryProblem, trustedDocumentsFrom } from './trusted-documents';
import { authorizationOf } from './ws';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const VIEWER = 'query Viewer { viewer { role } }';

describe('trustedDocumentsFrom', () => {
  it("reads GraphQL Code Generator's persisted-documents.json, with or without the sha256: prefix", async () => {
    const trusted = trustedDocumentsFrom({ [`sha256:${sha256(VIEWER)}`]: VIEWER, abc: 'query Other { viewer { scopes } }' });
    expect(trusted.size).toBe(2);
    expect(trusted.documentFor(sha256(VIEWER))).toBe(VIEWER);
    expect(trusted.documentFor(`sha256:${sha256(VIEWER)}`)).toBe(VIEWER);
    expect(trusted.documentFor('abc')).toBe('query Other { viewer { scopes } }');
    expect(await trusted.cache.get(`apq:${sha256(VIEWER)}`)).toBe(VIEWER);
    expect(await trusted.cache.get('apq:unknown')).toBeUndefined();
  });

  it("reads Apollo's persisted query manifest", () => {
    const trusted = trustedDocumentsFrom({
      format: 'apollo-persisted-query-manifest',
      version: 1,
      operations: [{ id: 'h1', name: 'Viewer', type: 'query', body: VIEWER }],
    });
    expect(trusted.documentFor('h1')).toBe(VIEWER);
  });

  it('admits exactly the documents, byte for byte', () => {
    const trusted = trustedDocumentsFrom({ h: VIEWER });
    expect(trusted.admits(VIEWER)).toBe(true);
    expect(trusted.admits(`${VIEWER} `)).toBe(false);
    expect(trusted.admits('{ viewer { role } }')).toBe(false);
  });

  it('refuses a malformed manifest, naming it', () => {
    expect(() => trustedDocumentsFrom([VIEWER], 'm.json')).toThrow(/m\.json: expected an object/);
    expect(() => trustedDocumentsFrom({ h: '' }, 'm.json')).toThrow(/m\.json: every entry needs/);
    expect(() => trustedDocumentsFrom({ format: 'apollo-persisted-query-manifest', operations: {} })).toThrow(
      /"operations" must be a list/,
    );
  });
});

describe('persistedQueryProblem', () => {
  const pq = (sha256Hash: unknown, version: unknown = 1) => ({ persistedQuery: { version, sha256Hash } });

  it('accepts requests without a persisted query, a hash alone, and a matching registration', () => {
    expect(persistedQueryProblem({ query: VIEWER })).toBeNull();
    expect(persistedQueryProblem({ extensions: pq('anything') })).toBeNull();
    expect(persistedQueryProblem({ query: VIEWER, extensions: pq(sha256(VIEWER)) })).toBeNull();
  });

  it('refuses a hash that is not the query’s, another version, or a hash that is not a string, as BAD_REQUEST', () => {
    expect(persistedQueryProblem({ query: VIEWER, extensions: pq(sha256('other')) })?.code).toBe('BAD_REQUEST');
    expect(persistedQueryProblem({ query: VIEWER, extensions: pq(sha256(VIEWER), 2) })?.code).toBe('BAD_REQUEST');
    expect(persistedQueryProblem({ extensions: pq(42) })?.code).toBe('BAD_REQUEST');
  });
});

describe('documentIdAsPersistedQuery', () => {
  it('turns documentId into the APQ extension, keeping other extensions', () => {
    const body: Record<string, unknown> = { documentId: 'sha256:abc', extensions: { trace: true } };
    documentIdAsPersistedQuery(body);
    expect(body.extensions).toEqual({ trace: true, persistedQuery: { version: 1, sha256Hash: 'abc' } });
  });

  it('leaves a request with a query or its own persistedQuery alone', () => {
    const withQuery: Record<string, unknown> = { documentId: 'abc', query: VIEWER };
    documentIdAsPersistedQuery(withQuery);
    expect(withQuery.extensions).toBeUndefined();
    const withPq: Record<string, unknown> = { documentId: 'abc', extensions: { persistedQuery: { version: 1, sha256Hash: 'def' } } };
    documentIdAsPersistedQuery(withPq);
    expect(withPq.extensions).toEqual({ persistedQuery: { version: 1, sha256Hash: 'def' } });
  });
});

describe('authorizationOf (graphql-ws connectionParams)', () => {
  it('reads authorization or Authorization, top level first, then under headers', () => {
    expect(authorizationOf({ authorization: 'a' })).toBe('a');
    expect(authorizationOf({ Authorization: 'b' })).toBe('b');
    expect(authorizationOf({ headers: { authorization: 'c' } })).toBe('c');
    expect(authorizationOf({ headers: { Authorization: 'd' } })).toBe('d');
    expect(authorizationOf({ headers: { Authorization: 'd' }, authorization: 'top' })).toBe('top');
  });

  it('ignores values that are not strings, and missing params', () => {
    expect(authorizationOf({ authorization: 42, headers: 'x' })).toBeUndefined();
    expect(authorizationOf(undefined)).toBeUndefined();
    expect(authorizationOf(null)).toBeUndefined();
  });
});

describe('config: CORS, trusted documents, durability', () => {
  it('reads exact origins, credentials off and a durable embedded database by default', () => {
    const config = loadConfig({ CORS_ORIGINS: 'https://app.example.com, http://127.0.0.1:5173' });
    expect(config.corsOrigins).toEqual(['https://app.example.com', 'http://127.0.0.1:5173']);
    expect(config.corsCredentials).toBe(false);
    expect(config.embeddedPgDurable).toBe(true);
    expect(config.trustedDocuments).toBeUndefined();
    expect(loadConfig({}).corsOrigins).toEqual([]);
    expect(loadConfig({ EMBEDDED_PG_DURABLE: 'off' }).embeddedPgDurable).toBe(false);
  });

  it('refuses origins with a path, a trailing slash or another scheme', () => {
    for (const bad of ['https://app.example.com/', 'https://app.example.com/app', 'app.example.com', 'ftp://x.example.com', '*']) {
      expect(() => loadConfig({ CORS_ORIGINS: bad })).toThrow(/CORS_ORIGINS must list exact origins/);
    }
  });
});
