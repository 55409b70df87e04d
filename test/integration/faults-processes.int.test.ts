/**
 * Faults of the API's own processes: the real server (`src/main.ts`) as child
 * processes on one database, stopped with SIGTERM under load, or killed with
 * SIGKILL while it serves subscribers. Each test prints what it saw.
 */
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '../support/database';
import {
  compareDelivery,
  CREATE_CUSTOMER,
  databaseTruth,
  head,
  post,
  READ_CUSTOMERS,
  resilientSubscriber,
  sleep,
  spawnApi,
  startLoad,
  until,
  type ApiProcess,
  type HttpOutcome,
} from '../support/faults';

const LEASE = { INSTANCE_HEARTBEAT_MS: '200', INSTANCE_LEASE_MS: '1000' };

let db: TestDatabase;
let drained: ApiProcess;
let a: ApiProcess;
let b: ApiProcess;

beforeAll(async () => {
  db = await createTestDatabase();
  // A cap of 3 open subscriptions per key: the three subscribers of the failover test hold all of it.
  [drained, a, b] = await Promise.all([
    spawnApi(db.url),
    spawnApi(db.url, { ...LEASE, MAX_SUBSCRIPTIONS_PER_KEY: '3' }),
    spawnApi(db.url, { ...LEASE, MAX_SUBSCRIPTIONS_PER_KEY: '3' }),
  ]);
}, 120_000);

afterAll(async () => {
  await Promise.all([drained, a, b].map((p) => p?.stop()));
  await db?.drop();
});

interface Timed {
  startedAt: number;
  endedAt: number;
  outcome: HttpOutcome;
}

it('drains on SIGTERM under load: in-flight requests finish, new ones are refused cleanly, and it exits within 10 s', async () => {
  const done: Timed[] = [];
  const inFlight = new Set<number>();
  let running = true;
  let n = 0;
  const worker = async (write: boolean) => {
    while (running) {
      const startedAt = Date.now();
      const id = ++n;
      inFlight.add(id);
      const outcome = write
        ? await post(drained.url, CREATE_CUSTOMER, { input: { name: `Drained ${id}` } })
        : await post(drained.url, READ_CUSTOMERS);
      inFlight.delete(id);
      done.push({ startedAt, endedAt: Date.now(), outcome });
      if (outcome.code !== 'OK') await sleep(10);
    }
  };
  const workers = [...Array.from({ length: 8 }, () => worker(true)), ...Array.from({ length: 8 }, () => worker(false))];
  await sleep(800);
  const inFlightAtSignal = inFlight.size;
  const signalAt = Date.now();
  drained.kill('SIGTERM');
  const exit = await Promise.race([drained.exited, sleep(10_000).then(() => null)]);
  const exitedAt = Date.now();
  await sleep(200);
  running = false;
  await Promise.all(workers);

  const before = done.filter((r) => r.startedAt < signalAt);
  const after = done.filter((r) => r.startedAt >= signalAt);
  const label = (o: HttpOutcome) => (o.code === 'NETWORK' ? `no answer (${o.network})` : `${o.status} ${o.code}`);
  const tally = (rs: Timed[]) =>
    rs.reduce<Record<string, number>>((t, r) => ((t[label(r.outcome)] = (t[label(r.outcome)] ?? 0) + 1), t), {});
  const finishedAfterSignal = before.filter((r) => r.endedAt >= signalAt);
  console.log(
    [
      'SIGTERM under load (16 clients):',
      `  in flight at the signal: ${inFlightAtSignal}; of the requests sent before it: ${JSON.stringify(tally(before))} (${finishedAfterSignal.length} answered after the signal)`,
      `  requests sent after the signal: ${JSON.stringify(tally(after))}`,
      `  exited ${exit ? `with code ${exit.code}` : 'NOT within 10 s'} ${exitedAt - signalAt} ms after the signal`,
    ].join('\n'),
  );
  expect(exit).toEqual({ code: 0, signal: null });
  expect(inFlightAtSignal).toBeGreaterThan(0);
  // Everything sent before the signal — the requests in flight at the signal among them — was answered in full. One
  // exception the server cannot prevent: a request the client wrote onto a keep-alive connection at the very moment the
  // connection went away, or that still sat in the kernel's accept queue, never reached the server (a connection reset,
  // no partial answer; seen once in about 150 requests on a loaded machine). Such resets stay rare; no other failure counts.
  const unanswered = before.filter((r) => r.outcome.code !== 'OK');
  expect(unanswered.filter((r) => r.outcome.network !== 'ECONNRESET')).toEqual([]);
  expect(unanswered.length).toBeLessThanOrEqual(Math.max(1, Math.floor(before.length * 0.02)));
  expect(finishedAfterSignal.length).toBeGreaterThan(0);
  // Everything sent after it was served (while draining), refused at the connection, or answered 503: never a broken answer.
  expect(after.filter((r) => !(r.outcome.code === 'OK' || r.outcome.code === 'NETWORK' || r.outcome.status === 503))).toEqual([]);
  expect(drained.log()).toMatch(/"msg":"stopped"/);
});

it('moves the subscribers of a kill -9ed instance to the other, which resume from their cursors with nothing lost or repeated; its slots are freed by its lease', async () => {
  let aAlive = true;
  const start = await head(b.url);
  const subscribers = [0, 1, 2].map(() => resilientSubscriber(() => (aAlive ? a.wsUrl : b.wsUrl), start.cursor));
  // Writes go through B: they keep coming while A dies.
  const load = startLoad(() => b.url, { writers: 2, readers: 1, label: 'Failover' });
  await until(() => subscribers.every((s) => s.seqs.length > 0), 'every subscriber to receive through A');
  expect(subscribers.every((s) => s.resumes === 0)).toBe(true);
  const slotsOfA = await liveSlots();

  aAlive = false;
  a.kill('SIGKILL');
  const killedAt = Date.now();
  expect(await a.exited).toMatchObject({ signal: 'SIGKILL' });
  await until(() => subscribers.every((s) => s.resumes > 0 && s.errorCodes.length + s.seqs.length > 0), 'every subscriber to reconnect');
  const lengths = subscribers.map((s) => s.seqs.length);
  await until(() => subscribers.every((s, i) => s.seqs.length > lengths[i]), 'every subscriber to receive through B', 20_000);
  const resumedAfterMs = Date.now() - killedAt;
  await sleep(300);
  await load.stop();

  const truth = await databaseTruth(db.url, start.seq, load.writes.acknowledged);
  await Promise.all(subscribers.map((s) => s.reach(truth.lastSeq)));
  await sleep(100);
  await Promise.all(subscribers.map((s) => s.stop()));
  const delivery = subscribers.map((s) => compareDelivery(s.events, truth.events));
  const refusals = subscribers.flatMap((s) => s.errorCodes);
  console.log(
    [
      'kill -9 of one of two instances (lease 1000 ms, heartbeat 200 ms, cap 3 subscriptions per key):',
      `  live slots before: ${JSON.stringify(slotsOfA)}; all 3 subscribers receiving on the other instance ${resumedAfterMs} ms after the kill`,
      `  answers while A's lease ran: ${refusals.length ? JSON.stringify(refusals.reduce<Record<string, number>>((t, c) => ((t[c] = (t[c] ?? 0) + 1), t), {})) : 'none'}`,
      `  writes ${JSON.stringify(load.writes.byCode)}, acknowledged ${load.writes.acknowledged.length}, missing ${truth.missing.length}; events ${truth.events.length}`,
      `  per subscriber lost/duplicated/unknown: ${delivery.map((d) => `${d.lost.length}/${d.duplicated.length}/${d.unknown.length}`).join(', ')}`,
    ].join('\n'),
  );
  expect(truth.missing).toEqual([]);
  for (const d of delivery) expect(d).toEqual({ lost: [], duplicated: [], unknown: [] });
  // Until A's lease ran out its slots counted (the lease is how a dead instance is told from a slow one); nothing else was refused.
  expect(refusals.filter((c) => c !== 'RATE_LIMITED' && c !== 'SERVICE_UNAVAILABLE')).toEqual([]);
  // A's rows are gone: B's heartbeat deleted them once A's lease expired.
  await until(async () => (await liveSlots()).dead === 0, "A's slots to be deleted", 5_000);
});

/** Subscription slots in the database: on live instances, and on dead ones. */
async function liveSlots(): Promise<{ live: number; dead: number }> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ live: number; dead: number }>(
      `SELECT count(*) FILTER (WHERE i.lease_expires_at > now())::int AS live, count(*) FILTER (WHERE i.id IS NULL OR i.lease_expires_at <= now())::int AS dead
       FROM subscription_slot s LEFT JOIN api_instance i ON i.id = s.instance_id`,
    );
    return rows[0];
  } finally {
    await client.end();
  }
}
