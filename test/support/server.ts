/**
 * Starts the real API (HTTP + WebSocket) on a free port of 127.0.0.1 over a
 * fresh test database, and gives a small typed client for it.
 */
import { print, type DocumentNode } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import type { DataSource } from 'typeorm';
import { randomBytes } from 'node:crypto';
import { startApp, type App } from '../../src/app';
import type { Config } from '../../src/config';
import { ApiKeyRole, ApiKeySource, Scope } from '../../src/modules/auth/auth.enums';
import { createLogger, type Logger } from '../../src/shared/logger';
import type { Clock } from '../../src/shared/clock';
import { createDataSource } from '../../src/db/data-source';
import { createTestDatabase, openDataSource, StatementCounter, type TestDatabase } from './database';

export interface GraphQLResponse<T> {
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> & { code?: string; field?: string } }[];
}

/** A response with its HTTP status and headers. */
export interface RawResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: GraphQLResponse<T>;
}

/** POSTs a GraphQL request to `url` with exactly `headers` (no default key); errors are returned, never thrown. */
export async function postRaw<T = Record<string, unknown>>(
  url: string,
  doc: DocumentNode | string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<RawResponse<T>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
    body: JSON.stringify({ query: typeof doc === 'string' ? doc : print(doc), variables }),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as GraphQLResponse<T> };
}

/** `{ authorization: 'Bearer <secret>' }`. */
export const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` });

export interface TestServer {
  url: string;
  wsUrl: string;
  db: TestDatabase;
  ds: DataSource;
  app: App;
  counter: StatementCounter;
  /** The admin key every request sends unless told otherwise (also the app's ADMIN_API_KEY). */
  adminKey: string;
  /** Creates an API key directly in the database; returns its secret. */
  createKey(key: NewTestKey): Promise<string>;
  /** `{ authorization: 'Bearer <secret>' }`. */
  auth(secret: string): Record<string, string>;
  /** POSTs an operation; returns the parsed body (errors included, never thrown). */
  request<T = Record<string, unknown>, V = Record<string, unknown>>(
    doc: TypedDocumentNode<T, V> | DocumentNode | string,
    variables?: V,
    headers?: Record<string, string>,
  ): Promise<GraphQLResponse<T>>;
  /** Like request, but fails the test on any error and returns `data`. */
  query<T = Record<string, unknown>, V = Record<string, unknown>>(
    doc: TypedDocumentNode<T, V> | DocumentNode | string,
    variables?: V,
    headers?: Record<string, string>,
  ): Promise<T>;
  stop(): Promise<void>;
}

export interface NewTestKey {
  role: 'ADMIN' | 'ANALYST' | 'SERVICE' | 'PARTNER';
  scopes?: ('pii:read' | 'privacy:manage' | 'customers:merge')[];
  rateLimitPerMinute?: number;
  maxSubscriptions?: number;
  label?: string;
  /** PARTNER keys: the partner they belong to (default TEST_PARTNER). */
  partner?: string;
}

/** The partner PARTNER test keys belong to unless told otherwise; `shareWithPartner` (test/factories) gives it customers. */
export const TEST_PARTNER = 'test-partner';

export interface TestServerOptions {
  clock?: Clock;
  env?: Record<string, string>;
  /** Config overrides (typed), e.g. `{ rateLimitPerMinute: 5 }`. Rate limits default to 1,000,000 a minute in tests. */
  config?: Partial<Config>;
  /** Default headers for `request`/`query`; an `authorization` here replaces the admin key (`''` makes requests anonymous). */
  headers?: Record<string, string>;
  /** Database connections (default 10). 1 makes statement counts deterministic: see openDataSource. */
  poolSize?: number;
  /**
   * Start another API instance on this server's database (what a second
   * server behind a load balancer is), with its own DataSource and counter.
   * It uses that server's admin key unless `config.adminApiKey` says otherwise;
   * its `stop()` leaves the database to the first server.
   */
  sameDatabaseAs?: TestServer;
  /** Sees every SQL statement this server's DataSource sends, the `INFRA_SQL_TAG` ones included (which `counter` skips). */
  onQuery?: (sql: string) => void;
  /** The app's logger (default: silent, or TEST_LOG_LEVEL); tests that read the request log pass their own. */
  log?: Logger;
}

export async function startTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  const shared = opts.sameDatabaseAs;
  const db = shared ? shared.db : await createTestDatabase();
  const counter = new StatementCounter();
  const ds = opts.onQuery
    ? await openObservedDataSource(db.url, counter, opts.onQuery, opts.poolSize)
    : await openDataSource(db.url, counter, opts.poolSize);
  const log = opts.log ?? createLogger((process.env.TEST_LOG_LEVEL as 'debug') ?? 'silent');
  const adminKey =
    opts.config?.adminApiKey ?? opts.env?.adminApiKey ?? shared?.adminKey ?? `cg-test-admin-${randomBytes(24).toString('base64url')}`;
  const app = await startApp({
    config: {
      host: '127.0.0.1',
      port: 0,
      rateLimitPerMinute: 1_000_000,
      anonymousRateLimitPerMinute: 1_000_000,
      ...opts.env,
      ...opts.config,
      adminApiKey: adminKey,
    },
    ds,
    log,
    clock: opts.clock,
  });
  const auth = (secret: string) => ({ authorization: `Bearer ${secret}` });
  const defaultHeaders = { ...auth(adminKey), ...opts.headers };

  const request: TestServer['request'] = async (doc, variables, headers) => {
    const query = typeof doc === 'string' ? doc : print(doc as DocumentNode);
    const res = await fetch(app.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json',
        ...defaultHeaders,
        ...headers,
      },
      body: JSON.stringify({ query, variables }),
    });
    const text = await res.text();
    try {
      return JSON.parse(text);
    } catch {
      throw new Error(`non-JSON response ${res.status}: ${text.slice(0, 300)}`);
    }
  };

  return {
    url: app.url,
    wsUrl: app.url.replace(/^http/, 'ws'),
    db,
    ds,
    app,
    counter,
    adminKey,
    auth,
    async createKey(key) {
      const { secret } = await app.services.apiKeys.create({
        label: key.label ?? `test ${key.role}`,
        role: key.role as ApiKeyRole,
        scopes: (key.scopes ?? []) as Scope[],
        source: ApiKeySource.API,
        rateLimitPerMinute: key.rateLimitPerMinute,
        maxSubscriptions: key.maxSubscriptions,
        partner: key.role === 'PARTNER' ? (key.partner ?? TEST_PARTNER) : null,
      });
      return secret;
    },
    request,
    async query(doc, variables, headers) {
      const body = await request(doc, variables, headers);
      if (body.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors, null, 2)}`);
      return body.data as never;
    },
    async stop() {
      await app.stop();
      await ds.destroy();
      if (!shared) await db.drop();
    },
  };
}

/** Like openDataSource, but `onQuery` also hears every statement, infra-tagged ones included. */
async function openObservedDataSource(
  url: string,
  counter: StatementCounter,
  onQuery: (sql: string) => void,
  poolSize = 10,
): Promise<DataSource> {
  const ds = createDataSource({
    url,
    poolSize,
    onQuery: (sql) => {
      counter.onQuery(sql);
      onQuery(sql);
    },
  });
  await ds.initialize();
  return ds;
}
