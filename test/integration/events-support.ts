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

/** The API running as a child process: see startServerProcess. */
export interface ServerProcess {
  url: string;
  wsUrl: string;
  pid: number;
  /** Resolves with how the process ended. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Everything it logged so far (for failure messages). */
  log(): string;
  /** Sends `signal` to this process (by its pid). */
  kill(signal: NodeJS.Signals): void;
  /** SIGTERM, then SIGKILL if it has not exited within 10 s; resolves once it is gone. */
  stop(): Promise<void>;
}

/**
 * Starts the API (`src/main.ts`) as a child process on `databaseUrl`, on a
 * free port of 127.0.0.1, with the test admin key and no rate limit to speak
 * of; resolves once it logs "ready".
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
      RATE_LIMIT_PER_MINUTE: '1000000',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let gone = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      gone = true;
      resolve({ code, signal });
    }),
  );
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const kill = (signal: NodeJS.Signals) => {
    if (!gone) process.kill(child.pid!, signal);
  };
  const stop = async () => {
    if (gone) return;
    kill('SIGTERM');
    const timer = setTimeout(() => kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`API process not ready within 60 s:\n${output}`));
    }, 60_000);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`API process exited before it was ready:\n${output}`));
    });
    const check = () => {
      const ready = output
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => {
          try {
            return JSON.parse(l) as { msg?: string; url?: string };
          } catch {
            return {};
          }
        })
        .find((l) => l.msg === 'ready' && l.url);
      if (!ready?.url) return;
      clearTimeout(timer);
      child.stderr!.off('data', check);
      const url = ready.url;
      resolve({ url, wsUrl: url.replace(/^http/, 'ws'), pid: child.pid!, exited, log: () => output, kill, stop });
    };
    child.stderr!.on('data', check);
  });
}
