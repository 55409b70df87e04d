/**
 * Starts the real API (HTTP + WebSocket) on a free port of 127.0.0.1 over a
 * fresh test database, and gives a small typed client for it.
 */
import { print, type DocumentNode } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import type { DataSource } from 'typeorm';
import { startApp, type App } from '../../src/app';
import { createLogger } from '../../src/shared/logger';
import type { Clock } from '../../src/shared/clock';
import { createTestDatabase, openDataSource, StatementCounter, type TestDatabase } from './database';

export interface GraphQLResponse<T> {
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> & { code?: string; field?: string } }[];
}

export interface TestServer {
  url: string;
  wsUrl: string;
  db: TestDatabase;
  ds: DataSource;
  app: App;
  counter: StatementCounter;
  /** POSTs an operation; returns the parsed body (errors included, never thrown). */
  request<T = Record<string, unknown>, V = Record<string, unknown>>(doc: TypedDocumentNode<T, V> | DocumentNode | string, variables?: V, headers?: Record<string, string>): Promise<GraphQLResponse<T>>;
  /** Like request, but fails the test on any error and returns `data`. */
  query<T = Record<string, unknown>, V = Record<string, unknown>>(doc: TypedDocumentNode<T, V> | DocumentNode | string, variables?: V, headers?: Record<string, string>): Promise<T>;
  stop(): Promise<void>;
}

export interface TestServerOptions {
  clock?: Clock;
  env?: Record<string, string>;
  headers?: Record<string, string>;
  /** Database connections (default 10). 1 makes statement counts deterministic: see openDataSource. */
  poolSize?: number;
}

export async function startTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  const db = await createTestDatabase();
  const counter = new StatementCounter();
  const ds = await openDataSource(db.url, counter, opts.poolSize);
  const log = createLogger((process.env.TEST_LOG_LEVEL as 'debug') ?? 'silent');
  const app = await startApp({ config: { host: '127.0.0.1', port: 0, ...opts.env }, ds, log, clock: opts.clock });
  const defaultHeaders = opts.headers ?? {};

  const request: TestServer['request'] = async (doc, variables, headers) => {
    const query = typeof doc === 'string' ? doc : print(doc as DocumentNode);
    const res = await fetch(app.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...defaultHeaders, ...headers },
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
    request,
    async query(doc, variables, headers) {
      const body = await request(doc, variables, headers);
      if (body.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors, null, 2)}`);
      return body.data as never;
    },
    async stop() {
      await app.stop();
      await ds.destroy();
      await db.drop();
    },
  };
}
