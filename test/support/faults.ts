/**
 * Tools of the fault tests: an in-process API whose log lines are kept,
 * short write and read loads that record what was acknowledged and every
 * error by code, and a subscriber that behaves like a real client (on any
 * interruption it reconnects, possibly elsewhere, and resumes from its last
 * cursor), so a test can compare what it received with what the database holds.
 */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import { startApp, type App } from '../../src/app';
import type { Config } from '../../src/config';
import { createDataSource } from '../../src/db/data-source';
import { decodeEventCursor } from '../../src/modules/events/event-cursor';
import { parseGlobalId } from '../../src/shared/global-id';
import { createLogger } from '../../src/shared/logger';
import { startServerProcess, TEST_ADMIN_KEY, type ServerProcess } from '../integration/events-support';

export interface LogLine {
  time: string;
  level: string;
  msg: string;
  [k: string]: unknown;
}

export interface FaultApp {
  url: string;
  wsUrl: string;
  app: App;
  ds: DataSource;
  /** Every line the app logged (info and above), parsed. */
  lines: LogLine[];
  stop(): Promise<void>;
}

/** The real app in this process on `databaseUrl`, logging into `lines`. Rate limits out of the way; the test admin key ensured. */
export async function startFaultApp(databaseUrl: string, config: Partial<Config> = {}): Promise<FaultApp> {
  const lines: LogLine[] = [];
  const log = createLogger('info', (line) => lines.push(JSON.parse(line) as LogLine));
  const ds = createDataSource({ url: databaseUrl, poolSize: 10 });
  await ds.initialize();
  const app = await startApp({
    config: {
      host: '127.0.0.1',
      port: 0,
      adminApiKey: TEST_ADMIN_KEY,
      rateLimitPerMinute: 1_000_000,
      anonymousRateLimitPerMinute: 1_000_000,
      maxSubscriptionsPerKey: 1_000,
      ...config,
    },
    ds,
    log,
    events: { feed: { reconnectInitialMs: 50, reconnectMaxMs: 500 } },
  });
  return {
    url: app.url,
    wsUrl: app.url.replace(/^http/, 'ws'),
    app,
    ds,
    lines,
    async stop() {
      await app.stop();
      await ds.destroy().catch(() => undefined);
    },
  };
}

export interface HttpOutcome {
  status: number;
  /** `extensions.code` of the first error, or 'OK'; `NETWORK` when no HTTP answer came. */
  code: string;
  body: { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: Record<string, unknown> }[] } | null;
  retryAfter: string | null;
  /** Why no HTTP answer came (NETWORK), e.g. ECONNREFUSED or UND_ERR_SOCKET (the connection closed before an answer). */
  network?: string;
}

/** POSTs one operation; never throws. */
export async function post(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  key = TEST_ADMIN_KEY,
): Promise<HttpOutcome> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query, variables }),
    });
    const text = await res.text();
    let body: HttpOutcome['body'] = null;
    try {
      body = JSON.parse(text) as HttpOutcome['body'];
    } catch {
      return { status: res.status, code: 'NOT_JSON', body: null, retryAfter: res.headers.get('retry-after') };
    }
    const code = body?.errors?.length ? String(body.errors[0].extensions?.code ?? 'NO_CODE') : 'OK';
    return { status: res.status, code, body, retryAfter: res.headers.get('retry-after') };
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    return { status: 0, code: 'NETWORK', body: null, retryAfter: null, network: cause?.code ?? cause?.message ?? String(err) };
  }
}

export const CREATE_CUSTOMER = `mutation Create($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { id } } }`;
export const READ_CUSTOMERS = `query Read { customers(first: 20) { edges { node { id name stage } } } }`;
const EVENTS = `subscription Events($after: String) { customerEvents(after: $after) { cursor type customer { id } } }`;

/** What a load saw: acknowledged writes, answers by code, and every error message (to check for internals). */
export interface LoadReport {
  requests: number;
  /** Customer ids (numeric, as text) whose creation was acknowledged. */
  acknowledged: string[];
  byCode: Record<string, number>;
  /** HTTP status of each error answer, by code. */
  statusByCode: Record<string, number[]>;
  errorMessages: Set<string>;
  /** Error answers without a Retry-After header, by code. */
  withoutRetryAfter: Record<string, number>;
}

function newReport(): LoadReport {
  return { requests: 0, acknowledged: [], byCode: {}, statusByCode: {}, errorMessages: new Set(), withoutRetryAfter: {} };
}

function note(report: LoadReport, outcome: HttpOutcome): void {
  report.requests++;
  report.byCode[outcome.code] = (report.byCode[outcome.code] ?? 0) + 1;
  if (outcome.code === 'OK') return;
  const statuses = (report.statusByCode[outcome.code] ??= []);
  if (!statuses.includes(outcome.status)) statuses.push(outcome.status);
  for (const e of outcome.body?.errors ?? []) report.errorMessages.add(e.message);
  if (!outcome.retryAfter) report.withoutRetryAfter[outcome.code] = (report.withoutRetryAfter[outcome.code] ?? 0) + 1;
}

export interface Load {
  readonly writes: LoadReport;
  readonly reads: LoadReport;
  /** Stops sending and resolves once every request in flight has its answer. */
  stop(): Promise<void>;
}

/**
 * `writers` clients each creating customers one after another, and `readers`
 * each reading a page of customers, against `url()` (a function, so a load
 * can follow a failover), until stopped. A small pause after a failed request
 * stands in for a client's back-off.
 */
export function startLoad(url: () => string, opts: { writers: number; readers: number; label?: string }): Load {
  const writes = newReport();
  const reads = newReport();
  let running = true;
  let n = 0;
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const writer = async () => {
    while (running) {
      const outcome = await post(url(), CREATE_CUSTOMER, { input: { name: `${opts.label ?? 'Fault'} ${++n}` } });
      note(writes, outcome);
      const id = (outcome.body?.data?.createCustomer as { customer?: { id: string } } | undefined)?.customer?.id;
      if (outcome.code === 'OK' && id) writes.acknowledged.push(parseGlobalId(id)!.id);
      if (outcome.code !== 'OK') await pause(20);
    }
  };
  const reader = async () => {
    while (running) {
      const outcome = await post(url(), READ_CUSTOMERS);
      note(reads, outcome);
      if (outcome.code !== 'OK') await pause(20);
    }
  };
  const all = [...Array.from({ length: opts.writers }, writer), ...Array.from({ length: opts.readers }, reader)];
  return {
    writes,
    reads,
    async stop() {
      running = false;
      await Promise.all(all);
    },
  };
}

/** Received events of a resilient subscriber. */
export interface ResilientSubscriber {
  /** Event seqs in the order received (duplicates kept, so a test can count them). */
  readonly seqs: number[];
  /** The same events as `seq TYPE customerId`, what identifies an event whatever its number. */
  readonly events: string[];
  /** How many times it had to reconnect and resume. */
  readonly resumes: number;
  /** Error codes it was answered with (subscribe errors), and close codes of its connections. */
  readonly errorCodes: string[];
  readonly closeCodes: number[];
  /** Resolves once it has received an event with seq ≥ `seq`. */
  reach(seq: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Subscribes to every customer event after `after` (a seq) at `wsUrl()`;
 * whenever the subscription ends or its connection closes, it reconnects
 * (to whatever `wsUrl()` says then) after `retryMs` and resumes after the
 * last cursor it received — what a careful client does.
 */
export function resilientSubscriber(wsUrl: () => string, after: string, retryMs = 100): ResilientSubscriber {
  const seqs: number[] = [];
  const events: string[] = [];
  const errorCodes: string[] = [];
  const closeCodes: number[] = [];
  let cursor = after;
  let resumes = -1;
  let stopped = false;
  let client: Client | null = null;
  let timer: NodeJS.Timeout | null = null;

  const connect = () => {
    if (stopped) return;
    resumes++;
    const c = createClient({
      url: wsUrl(),
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      lazy: true,
      connectionParams: { authorization: `Bearer ${TEST_ADMIN_KEY}` },
      on: { closed: (event) => closeCodes.push((event as { code: number }).code) },
    });
    client = c;
    let ended = false;
    const again = () => {
      if (ended) return;
      ended = true;
      void c.dispose();
      if (!stopped) timer = setTimeout(connect, retryMs);
    };
    c.subscribe<{ customerEvents: { cursor: string; type: string; customer: { id: string } } }>(
      { query: EVENTS, variables: { after: cursor } },
      {
        next(result) {
          const event = result.data?.customerEvents;
          if (event) {
            const seq = decodeEventCursor(event.cursor, 'cursor');
            seqs.push(seq);
            events.push(`${seq} ${event.type} ${parseGlobalId(event.customer.id)?.id}`);
            cursor = event.cursor;
          }
          if (result.errors?.length) for (const e of result.errors) errorCodes.push(String(e.extensions?.code));
        },
        error(err) {
          if (Array.isArray(err)) for (const e of err as { extensions?: { code?: string } }[]) errorCodes.push(String(e.extensions?.code));
          again();
        },
        complete: again,
      },
    );
  };
  connect();
  return {
    seqs,
    events,
    errorCodes,
    closeCodes,
    get resumes() {
      return Math.max(0, resumes);
    },
    async reach(seq, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (!seqs.some((s) => s >= seq)) {
        if (Date.now() > deadline) throw new Error(`subscriber did not reach seq ${seq} (got ${seqs.length} events, last ${seqs.at(-1)})`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await client?.dispose();
    },
  };
}

/** The outbox after `afterSeq` (as `seq TYPE customerId`, and its last seq), and the customers among `ids` that do not exist. */
export async function databaseTruth(
  url: string,
  afterSeq: number,
  ids: string[],
): Promise<{ events: string[]; lastSeq: number; missing: string[] }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const rows = await client.query<{ seq: string; type: string; customer_id: string }>(
      `SELECT seq, type, customer_id FROM customer_event WHERE seq > $1 ORDER BY seq`,
      [afterSeq],
    );
    const found = await client.query<{ id: string }>(`SELECT id::text AS id FROM customer WHERE id = ANY($1::bigint[])`, [ids]);
    const present = new Set(found.rows.map((r) => r.id));
    return {
      events: rows.rows.map((r) => `${r.seq} ${r.type} ${r.customer_id}`),
      lastSeq: rows.rows.length ? Number(rows.rows.at(-1)!.seq) : afterSeq,
      missing: ids.filter((id) => !present.has(id)),
    };
  } finally {
    await client.end();
  }
}

/** The feed's head (newest seq) as a cursor and a number. */
export async function head(url: string): Promise<{ seq: number; cursor: string }> {
  const res = await post(url, `query { latestCustomerEventCursor }`);
  const cursor = res.body?.data?.latestCustomerEventCursor as string;
  return { seq: decodeEventCursor(cursor, 'cursor'), cursor };
}

/** Events lost (in the database, never received) and received more than once. */
export function compareDelivery(received: string[], truth: string[]): { lost: string[]; duplicated: string[]; unknown: string[] } {
  const counts = new Map<string, number>();
  for (const s of received) counts.set(s, (counts.get(s) ?? 0) + 1);
  const inDb = new Set(truth);
  return {
    lost: truth.filter((s) => !counts.has(s)),
    duplicated: [...counts].filter(([, n]) => n > 1).map(([s]) => s),
    unknown: [...counts.keys()].filter((s) => !inDb.has(s)),
  };
}

/** Things an error message must never show a client: driver codes, addresses, SQL, stack frames. */
export const INTERNALS =
  /ECONNREFUSED|ECONNRESET|57P0\d|127\.0\.0\.1|postgres|terminat|SELECT |INSERT |UPDATE |at .+\.ts:\d+|QueryFailedError|Connection/i;

/** Waits until `check` holds, polling every 20 ms; fails with `what` after `timeoutMs`. */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The API as a child process: the events tests' startServerProcess, under the name these tests use. */
export type ApiProcess = ServerProcess;
export const spawnApi = startServerProcess;
