/**
 * Helpers for the event-feed tests: a real graphql-ws client over a real
 * WebSocket that records what it receives, and polling waits (the tests wait
 * for outcomes; they never assert how long anything took).
 */
import { print, type DocumentNode } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { startApp, type App, type AppDeps } from '../../src/app';
import { createLogger } from '../../src/shared/logger';
import { createTestDatabase, openDataSource, type TestDatabase } from '../support/database';

export interface FormattedError {
  message: string;
  extensions?: { code?: string; field?: string; [k: string]: unknown };
}

export interface Sub<T> {
  /** `data` of every `next` message, in order. */
  readonly items: T[];
  /** Errors of the operation (`error` message, or errors inside a `next`). */
  readonly errors: FormattedError[];
  readonly completed: boolean;
  /** The WebSocket close code, once the connection closed. */
  readonly closeCode: number | null;
  /** Resolves with the items once at least `n` arrived. */
  waitFor(n: number, what?: string): Promise<T[]>;
  /** Resolves once the operation ended (completed, failed or the socket closed). */
  ended(): Promise<void>;
  dispose(): Promise<void>;
}

/**
 * An admin key the test servers ensure at start (ADMIN_API_KEY); every HTTP
 * request and WebSocket connection of these tests sends it.
 */
export const TEST_ADMIN_KEY = `cg-events-test-admin-${randomBytes(18).toString('base64url')}`;
export const AUTH_HEADERS = { authorization: `Bearer ${TEST_ADMIN_KEY}` };
export const AUTH_PARAMS = { authorization: `Bearer ${TEST_ADMIN_KEY}` };

export interface EventsTestServer {
  url: string;
  wsUrl: string;
  db: TestDatabase;
  ds: DataSource;
  app: App;
  /** POSTs an operation as the admin; returns the parsed body (errors included). */
  request<T, V>(doc: TypedDocumentNode<T, V> | DocumentNode, variables?: V, headers?: Record<string, string>): Promise<GraphQLResponse<T>>;
  /** Like request, but fails the test on any error and returns `data`. */
  query<T, V>(doc: TypedDocumentNode<T, V> | DocumentNode, variables?: V): Promise<T>;
  /** Subscribes as the admin over a new WebSocket connection. */
  subscribe<T, V>(doc: TypedDocumentNode<T, V> | DocumentNode, variables: V): Sub<T>;
  stop(): Promise<void>;
}

export interface GraphQLResponse<T> {
  data?: T | null;
  errors?: FormattedError[];
}

/**
 * The real app on a free port of 127.0.0.1 over a fresh database, with the
 * settings these tests tune (subscription buffer, event-feed timings).
 */
export async function startEventsServer(
  tuning: { eventSubscriptionBuffer?: number; events?: AppDeps['events'] } = {},
): Promise<EventsTestServer> {
  const db = await createTestDatabase();
  const ds = await openDataSource(db.url);
  const log = createLogger((process.env.TEST_LOG_LEVEL as 'debug') ?? 'silent');
  // Rate limits (where the server has them) must not throttle tests.
  const unthrottled = { rateLimitPerMinute: 1_000_000, anonymousRateLimitPerMinute: 1_000_000, maxSubscriptionsPerKey: 10_000 } as object;
  const app = await startApp({
    config: {
      host: '127.0.0.1',
      port: 0,
      adminApiKey: TEST_ADMIN_KEY,
      eventSubscriptionBuffer: tuning.eventSubscriptionBuffer,
      ...unthrottled,
    },
    ds,
    log,
    events: tuning.events,
  });
  const wsUrl = app.url.replace(/^http/, 'ws');
  const { request, query } = httpClient(app.url);
  return {
    url: app.url,
    wsUrl,
    db,
    ds,
    app,
    request,
    query,
    subscribe: (doc, variables) => subscribe(wsUrl, doc, variables),
    async stop() {
      await app.stop();
      await ds.destroy();
      await db.drop();
    },
  };
}

/** A typed GraphQL-over-HTTP client for `url`, authenticated as the test admin. */
export function httpClient(url: string): Pick<EventsTestServer, 'request' | 'query'> {
  const request = async <T, V>(
    doc: TypedDocumentNode<T, V> | DocumentNode,
    variables?: V,
    headers?: Record<string, string>,
  ): Promise<GraphQLResponse<T>> => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...AUTH_HEADERS, ...headers },
      body: JSON.stringify({ query: print(doc as DocumentNode), variables }),
    });
    return (await res.json()) as GraphQLResponse<T>;
  };
  return {
    request,
    async query<T, V>(doc: TypedDocumentNode<T, V> | DocumentNode, variables?: V) {
      const body = await request<T, V>(doc, variables);
      if (body.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors, null, 2)}`);
      return body.data as T;
    },
  };
}

/** Waits until `check` returns true, polling; fails with `what` after `timeoutMs`. */
export async function waitUntil(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export interface SubscribeOptions {
  connectionParams?: Record<string, unknown>;
  /** An existing client to reuse (several subscriptions on one connection). */
  client?: Client;
}

/** Opens a graphql-ws client on `wsUrl` that does not retry (tests want to see every close). */
export function wsClient(wsUrl: string, connectionParams?: Record<string, unknown>): { client: Client; closeCode: () => number | null } {
  let closeCode: number | null = null;
  const client = createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: true,
    connectionParams,
    on: { closed: (event) => (closeCode = (event as { code: number }).code) },
  });
  return { client, closeCode: () => closeCode };
}

/** Subscribes with a typed document and records everything that comes back. */
export function subscribe<T, V>(
  wsUrl: string,
  doc: TypedDocumentNode<T, V> | DocumentNode,
  variables: V,
  opts: SubscribeOptions = {},
): Sub<T> {
  const own = opts.client ? null : wsClient(wsUrl, opts.connectionParams ?? AUTH_PARAMS);
  const client = opts.client ?? own!.client;
  const items: T[] = [];
  const errors: FormattedError[] = [];
  let completed = false;
  let ended = false;
  const unsubscribe = client.subscribe<T>(
    { query: print(doc as DocumentNode), variables: variables as Record<string, unknown> },
    {
      next(result) {
        if (result.errors?.length) errors.push(...(result.errors as FormattedError[]));
        if (result.data) items.push(result.data as T);
      },
      error(err) {
        if (Array.isArray(err)) errors.push(...(err as FormattedError[]));
        ended = true;
      },
      complete() {
        completed = true;
        ended = true;
      },
    },
  );
  return {
    items,
    errors,
    get completed() {
      return completed;
    },
    get closeCode() {
      return own ? own.closeCode() : null;
    },
    async waitFor(n, what) {
      await waitUntil(() => items.length >= n || (ended && items.length < n), what ?? `${n} subscription results`);
      if (items.length < n)
        throw new Error(
          `Subscription ended after ${items.length} of ${n} results: ${JSON.stringify({ errors, closeCode: own?.closeCode() })}`,
        );
      return items;
    },
    ended: () => waitUntil(() => ended, 'the subscription to end'),
    async dispose() {
      unsubscribe();
      if (own) await own.client.dispose();
    },
  };
}

export interface ServerProcess {
  url: string;
  wsUrl: string;
  pid: number;
  /** Everything the process logged so far (for failure messages). */
  log(): string;
  /** SIGTERM, then SIGKILL if it has not exited within 10 s. */
  stop(): Promise<void>;
}

/**
 * Starts `src/main.ts` as a separate node process on a free port, on
 * `databaseUrl`, and resolves once it logs "ready".
 */
export function startServerProcess(databaseUrl: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  const root = path.resolve(__dirname, '../..');
  const child: ChildProcess = spawn(process.execPath, ['-r', './scripts/register.js', 'src/main.ts'], {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      PORT: '0',
      HOST: '127.0.0.1',
      DEMO_CUSTOMERS: '0',
      ADMIN_API_KEY: TEST_ADMIN_KEY,
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
  const stop = async () => {
    if (exited) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exit;
    clearTimeout(timer);
  };
  return new Promise((resolve, reject) => {
    const onLine = (chunk: Buffer) => {
      output += chunk.toString();
      for (const line of output.split('\n')) {
        if (!line.startsWith('{')) continue;
        try {
          const entry = JSON.parse(line) as { msg?: string; url?: string };
          if (entry.msg === 'ready' && entry.url) {
            child.stderr?.off('data', onLine);
            child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
            return resolve({ url: entry.url, wsUrl: entry.url.replace(/^http/, 'ws'), pid: child.pid!, log: () => output, stop });
          }
        } catch {
          // a partial line; the rest comes with the next chunk
        }
      }
    };
    child.stderr?.on('data', onLine);
    child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
    void exit.then(() => reject(new Error(`server process exited before it was ready:\n${output}`)));
    setTimeout(() => {
      if (exited) return;
      void stop();
      reject(new Error(`server process not ready within 25 s:\n${output}`));
    }, 25_000).unref();
  });
}
