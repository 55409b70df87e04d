/**
 * Faults of the database, on a PostgreSQL of this file's own with default
 * (durable) settings that the tests stop and start: `pg_ctl -m fast` (open
 * transactions rolled back, connections closed) and `-m immediate` (a crash:
 * no shutdown checkpoint, recovery from the WAL on the next start). The API
 * runs in this process; nothing of it is restarted. Each test prints what it
 * saw (outage length, answers by code, events lost and duplicated).
 */
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { ApiKeyRole, ApiKeySource } from '../../src/modules/auth/auth.enums';
import { encodeEventCursor } from '../../src/modules/events/event-cursor';
import { ErrorCode } from '../../src/shared/errors';
import {
  compareDelivery,
  CREATE_CUSTOMER,
  databaseTruth,
  head,
  INTERNALS,
  post,
  READ_CUSTOMERS,
  resilientSubscriber,
  sleep,
  startFaultApp,
  startLoad,
  until,
  type FaultApp,
  type LoadReport,
  type LogLine,
} from '../support/faults';
import { serverSetting, startPostgresProcess, type PostgresProcess, type StopMode } from '../support/postgres-process';

let pgp: PostgresProcess;
let api: FaultApp;

beforeAll(async () => {
  pgp = await startPostgresProcess();
  api = await startFaultApp(pgp.url(), { instanceHeartbeatMs: 200, instanceLeaseMs: 1_000 });
}, 120_000);

afterAll(async () => {
  await api?.stop();
  await pgp?.destroy();
});

const createKey = async (maxSubscriptions?: number) =>
  (
    await api.app.services.apiKeys.create({
      label: 'fault test',
      role: ApiKeyRole.ADMIN,
      scopes: [],
      source: ApiKeySource.API,
      maxSubscriptions,
    })
  ).secret;

/** Opens a graphql-ws connection with `key` and subscribes to events after `after`; says how it went. */
function trySubscribe(
  key: string,
  after: string,
): Promise<{
  outcome: 'RECEIVING' | 'ERROR' | 'CLOSED';
  connected: boolean;
  codes: string[];
  closeCode?: number;
  dispose: () => Promise<void>;
}> {
  return new Promise((resolve) => {
    let connected = false;
    const codes: string[] = [];
    const client = createClient({
      url: api.wsUrl,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      lazy: true,
      connectionParams: { authorization: `Bearer ${key}` },
      on: {
        connected: () => (connected = true),
        closed: (e) => finish('CLOSED', (e as { code: number }).code),
      },
    });
    let done = false;
    const dispose = () => client.dispose() as Promise<void>;
    const finish = (outcome: 'RECEIVING' | 'ERROR' | 'CLOSED', closeCode?: number) => {
      if (done) return;
      done = true;
      resolve({ outcome, connected, codes, closeCode, dispose });
    };
    client.subscribe(
      { query: `subscription ($after: String) { customerEvents(after: $after) { cursor } }`, variables: { after } },
      {
        next: () => finish('RECEIVING'),
        error: (err) => {
          if (Array.isArray(err)) for (const e of err as { extensions?: { code?: string } }[]) codes.push(String(e.extensions?.code));
          finish('ERROR');
        },
        complete: () => finish('ERROR'),
      },
    );
  });
}

const linesSince = (from: number): LogLine[] => api.lines.slice(from);
const count = (lines: LogLine[], msg: string) => lines.filter((l) => l.msg === msg).length;
const OUTAGE_START = 'database unreachable: answering SERVICE_UNAVAILABLE until it is back';
const OUTAGE_END = 'database reachable again';

/** Every error answer of a load was SERVICE_UNAVAILABLE, as HTTP 503 with Retry-After, and showed no internals. */
function expectOnlyServiceUnavailable(report: LoadReport): void {
  const codes = Object.keys(report.byCode).filter((c) => c !== 'OK');
  expect(codes.filter((c) => c !== ErrorCode.SERVICE_UNAVAILABLE)).toEqual([]);
  if (codes.length) {
    expect(report.statusByCode[ErrorCode.SERVICE_UNAVAILABLE]).toEqual([503]);
    expect(report.withoutRetryAfter).toEqual({});
  }
  expect([...report.errorMessages].filter((m) => INTERNALS.test(m))).toEqual([]);
}

it('answers a database outage with 503 SERVICE_UNAVAILABLE and Retry-After, logs it once, and keeps WebSocket authentication working from the key cache', async () => {
  const cachedKey = await createKey();
  const coldKey = await createKey();
  // The key is validated (and cached) before the outage; the cold one never is.
  expect((await post(api.url, READ_CUSTOMERS, {}, cachedKey)).code).toBe('OK');
  await post(api.url, CREATE_CUSTOMER, { input: { name: 'Before the outage' } });
  const start = await head(api.url);
  const before = resilientSubscriber(() => api.wsUrl, encodeEventCursor(start.seq - 1));
  await before.reach(start.seq);
  const logFrom = api.lines.length;

  await pgp.stop('fast');
  const down = Date.now();
  const read = await post(api.url, READ_CUSTOMERS, {}, cachedKey);
  const write = await post(api.url, CREATE_CUSTOMER, { input: { name: 'During the outage' } });
  const cold = await post(api.url, READ_CUSTOMERS, {}, coldKey);
  const load = startLoad(() => api.url, { writers: 2, readers: 2, label: 'Outage' });
  await sleep(600);
  await load.stop();
  const wsCached = await trySubscribe(cachedKey, start.cursor);
  const wsCold = await trySubscribe(coldKey, start.cursor);
  await Promise.all([wsCached.dispose(), wsCold.dispose()]);

  await pgp.start();
  const restarted = Date.now();
  await until(() => !api.app.outage.down, 'the outage to end');
  const recoveredAfterStartMs = Date.now() - restarted;
  const after = await post(api.url, CREATE_CUSTOMER, { input: { name: 'After the outage' } });
  const afterHead = await head(api.url);
  await before.reach(afterHead.seq);
  const wsAfter = await trySubscribe(cachedKey, start.cursor);
  await wsAfter.dispose();
  await before.stop();

  const outage = api.app.outage.history.at(-1)!;
  const lines = linesSince(logFrom);
  console.log(
    [
      'outage (fast stop):',
      `  outage as the API saw it: ${outage.durationMs} ms (PostgreSQL down ${restarted - down} ms; recovered ${recoveredAfterStartMs} ms after it started again); failures reported: ${outage.failures}`,
      `  during the outage, load of ${load.reads.requests + load.writes.requests} requests: reads ${JSON.stringify(load.reads.byCode)}, writes ${JSON.stringify(load.writes.byCode)}`,
      `  single requests: cached key read ${read.status} ${read.code} Retry-After ${read.retryAfter}; write ${write.status} ${write.code}; uncached key ${cold.status} ${cold.code}`,
      `  WebSocket during the outage: cached key connected=${wsCached.connected}, subscribe → ${wsCached.codes.join(',')}; uncached key closed with ${wsCold.closeCode}`,
      `  log lines during the outage: ${lines.length} (${[...new Set(lines.map((l) => l.msg))].map((m) => `"${m}" ×${count(lines, m)}`).join('; ')})`,
    ].join('\n'),
  );

  for (const r of [read, write, cold]) {
    expect([r.status, r.code, r.retryAfter]).toEqual([503, ErrorCode.SERVICE_UNAVAILABLE, String(api.app.outage.retryAfterSeconds)]);
    expect(r.body?.errors?.[0].message).not.toMatch(INTERNALS);
  }
  expectOnlyServiceUnavailable(load.reads);
  expectOnlyServiceUnavailable(load.writes);
  // A key validated before the outage still opens a WebSocket; only what needs the database is refused, with the same code.
  expect(wsCached).toMatchObject({ connected: true, outcome: 'ERROR', codes: [ErrorCode.SERVICE_UNAVAILABLE] });
  // A key never seen cannot be checked: a retryable close ("try again later"), not 4500.
  expect(wsCold).toMatchObject({ connected: false, closeCode: 1013 });
  // One line when it starts, one when it ends; no error id or stack trace per request.
  expect([count(lines, OUTAGE_START), count(lines, OUTAGE_END)]).toEqual([1, 1]);
  expect(lines.filter((l) => l.msg === 'unexpected error' || 'stack' in l || JSON.stringify(l).includes('    at '))).toEqual([]);
  // Besides the request log (one line per request, no stack), a handful of lines for the whole outage.
  expect(lines.filter((l) => l.msg !== 'graphql request').length).toBeLessThanOrEqual(6);
  // Recovered by itself: the same subscription got the event written after, and new connections subscribe again.
  expect(after.code).toBe('OK');
  expect(wsAfter.outcome).toBe('RECEIVING');
});

it('frees the subscription slots released while PostgreSQL was down as soon as it is back: the cap never refuses because of a dead slot', async () => {
  const key = await createKey(3);
  await post(api.url, CREATE_CUSTOMER, { input: { name: 'Slots' } });
  const start = await head(api.url);
  const from = encodeEventCursor(start.seq - 1);
  const open = await Promise.all([trySubscribe(key, from), trySubscribe(key, from), trySubscribe(key, from)]);
  expect(open.map((s) => s.outcome)).toEqual(['RECEIVING', 'RECEIVING', 'RECEIVING']);
  const fourth = await trySubscribe(key, from);
  expect(fourth.codes).toEqual([ErrorCode.RATE_LIMITED]);
  await fourth.dispose();

  await pgp.stop('fast');
  // Two subscriptions end while their release cannot be written.
  await Promise.all([open[0].dispose(), open[1].dispose()]);
  await sleep(300);
  await pgp.start();
  const restarted = Date.now();

  // Like a client: retry what the outage refuses, until both are open again. A RATE_LIMITED would be a dead slot counted.
  const seen: string[] = [];
  const reopened: Awaited<ReturnType<typeof trySubscribe>>[] = [];
  while (reopened.length < 2) {
    const s = await trySubscribe(key, from);
    if (s.outcome === 'RECEIVING') reopened.push(s);
    else {
      seen.push(s.codes[0] ?? `close ${s.closeCode}`);
      await s.dispose();
      if (s.codes.includes(ErrorCode.RATE_LIMITED)) break;
      await sleep(50);
    }
  }
  const freedAfterMs = Date.now() - restarted;
  const again = await trySubscribe(key, from);
  console.log(
    [
      'slots after an outage (cap 3, 2 released while PostgreSQL was down):',
      `  both reopened ${freedAfterMs} ms after PostgreSQL started again; answers before that: ${seen.length ? seen.join(', ') : 'none'}`,
      `  a fourth subscription then: ${again.codes.join(',') || again.outcome}; slot re-syncs so far: ${api.app.auth.slots.syncs}`,
    ].join('\n'),
  );
  expect(seen.filter((c) => c === ErrorCode.RATE_LIMITED)).toEqual([]);
  expect(reopened).toHaveLength(2);
  // The cap itself still holds: 1 kept through the outage + 2 new.
  expect(again.codes).toEqual([ErrorCode.RATE_LIMITED]);
  await Promise.all([...reopened, open[2], again].map((s) => s.dispose()));
});

async function restartUnderLoad(mode: StopMode, downMs: number) {
  const start = await head(api.url);
  const subscribers = [resilientSubscriber(() => api.wsUrl, start.cursor), resilientSubscriber(() => api.wsUrl, start.cursor)];
  const load = startLoad(() => api.url, { writers: 3, readers: 2, label: `Restart ${mode}` });
  await sleep(700);
  const logFrom = api.lines.length;
  const outages = api.app.outage.history.length;
  await pgp.stop(mode);
  const down = Date.now();
  await sleep(downMs);
  await pgp.start();
  const up = Date.now();
  await until(() => api.app.outage.history.length > outages, 'the outage to end');
  await sleep(700);
  await load.stop();
  const truth = await databaseTruth(pgp.url(), start.seq, load.writes.acknowledged);
  await Promise.all(subscribers.map((s) => s.reach(truth.lastSeq)));
  await sleep(100); // anything duplicated would arrive now
  await Promise.all(subscribers.map((s) => s.stop()));
  const delivery = subscribers.map((s) => compareDelivery(s.events, truth.events));
  const outage = api.app.outage.history.at(-1)!;
  return { load, truth, subscribers, delivery, outage, stoppedMs: up - down, lines: linesSince(logFrom) };
}

it.each<[StopMode]>([['fast'], ['immediate']])(
  'survives a %s restart of PostgreSQL under a read+write load: 503s without internals, recovery on its own, every event of every acknowledged write delivered once',
  async (mode) => {
    const r = await restartUnderLoad(mode, 300);
    console.log(
      [
        `restart (${mode}) under load: PostgreSQL stopped ${r.stoppedMs} ms; outage as the API saw it ${r.outage.durationMs} ms`,
        `  writes: ${JSON.stringify(r.load.writes.byCode)} (acknowledged ${r.load.writes.acknowledged.length}, missing after restart ${r.truth.missing.length})`,
        `  reads: ${JSON.stringify(r.load.reads.byCode)}`,
        `  events in the database: ${r.truth.events.length}; per subscriber lost/duplicated/unknown: ${r.delivery
          .map((d) => `${d.lost.length}/${d.duplicated.length}/${d.unknown.length}`)
          .join(', ')}; resumes: ${r.subscribers.map((s) => s.resumes).join(', ')}`,
        `  outage log lines: start ${count(r.lines, OUTAGE_START)}, end ${count(r.lines, OUTAGE_END)}, all ${r.lines.length}`,
        ...r.lines.filter((l) => l.msg === 'unexpected error').map((l) => `  unexpected error: ${JSON.stringify(l.error)}`),
      ].join('\n'),
    );
    expect(r.load.writes.acknowledged.length).toBeGreaterThan(0);
    expect(r.truth.missing).toEqual([]);
    for (const d of r.delivery) expect(d).toEqual({ lost: [], duplicated: [], unknown: [] });
    expectOnlyServiceUnavailable(r.load.writes);
    expectOnlyServiceUnavailable(r.load.reads);
    expect([count(r.lines, OUTAGE_START), count(r.lines, OUTAGE_END)]).toEqual([1, 1]);
    expect(r.lines.filter((l) => l.msg === 'unexpected error').map((l) => l.error)).toEqual([]);
    expect((await post(api.url, READ_CUSTOMERS)).code).toBe('OK');
  },
);

it('never reuses an event number, nor loses an acknowledged write, across an immediate stop, even with synchronous_commit off', async () => {
  // The embedded development settings: commits acknowledged before they are on disk.
  await pgp.stop('fast');
  await pgp.start({ synchronous_commit: 'off', fsync: 'off', full_page_writes: 'off' });
  await until(() => !api.app.outage.down, 'the outage to end');
  expect(await serverSetting(pgp.url(), 'synchronous_commit')).toBe('off');
  const r = await restartUnderLoad('immediate', 100);
  console.log(
    [
      `immediate stop with synchronous_commit=off, fsync=off: writes ${JSON.stringify(r.load.writes.byCode)}, acknowledged ${r.load.writes.acknowledged.length}, missing ${r.truth.missing.length}`,
      `  events seen by subscribers but gone from the database (numbers that would be reused): ${r.delivery.map((d) => d.unknown.length).join(', ')}; lost ${r.delivery.map((d) => d.lost.length).join(', ')}; duplicated ${r.delivery.map((d) => d.duplicated.length).join(', ')}`,
    ].join('\n'),
  );
  expect(r.truth.missing).toEqual([]);
  for (const d of r.delivery) expect(d).toEqual({ lost: [], duplicated: [], unknown: [] });
});
