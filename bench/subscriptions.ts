/**
 * `npm run bench:subscriptions [-- --subscribers=1000,10000 --seconds=20 --rates=10,1]`
 *
 * For each subscriber count: a fresh server process (`src/main.ts`, as in
 * production) on one PostgreSQL; N WebSocket connections, one
 * `customerStageChanged` subscription each; stage changes committed at a fixed
 * rate. Prints one line per run:
 *
 * - commit → delivery latency p50 / p99 / max: from the moment COMMIT returns
 *   to the writer (this process, through LifecycleService, so the commit time
 *   is known) to the moment the subscriber's message is handled here. It
 *   includes this process's own time to take in N messages per event, so it
 *   is an upper bound on the server's share.
 * - events lost / duplicated across all subscribers (must be 0).
 * - the server's RSS before subscribers, with them idle, at its peak during the
 *   run, and its CPU seconds during the run.
 *
 * Figures only, no pass/fail. DATABASE_URL points it at an existing server
 * (a database is created and dropped there); otherwise an embedded PostgreSQL
 * runs in a temporary directory.
 */
import 'reflect-metadata';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import WebSocket from 'ws';
import { createDataSource, migrate } from '../src/db/data-source';
import { startEmbeddedPostgres } from '../src/db/embedded-postgres';
import { toGlobalId } from '../src/shared/global-id';
import { LifecycleStage } from '../src/modules/lifecycle/stages';
import { EventService } from '../src/modules/events/events.service';
import { LifecycleService } from '../src/modules/lifecycle/lifecycle.service';
import { systemClock } from '../src/shared/clock';
import { createLogger } from '../src/shared/logger';

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')) as [string, string][]);
const SUBSCRIBERS = (args.subscribers ?? '1000,10000').split(',').map(Number);
// Events per second for each run: the same 10,000 deliveries a second for both default runs.
const RATES = (args.rates ?? '10,1').split(',').map(Number);
const SECONDS = Number(args.seconds ?? 20);
const CUSTOMERS = 50;
const CONNECT_CONCURRENCY = 250;
const ADMIN_KEY = `cg-bench-admin-${randomBytes(18).toString('base64url')}`;
const root = path.resolve(__dirname, '..');
const log = createLogger('warn');

const SUBSCRIPTION = 'subscription Bench($after: String) { customerStageChanged(after: $after) { cursor reason } }';

const quantile = (sorted: Float64Array, q: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : NaN;
const mb = (kb: number) => `${(kb / 1024).toFixed(0)}MB`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resident set size (kB) and CPU seconds of a process, from /proc (Linux). */
function usage(pid: number): { rssKb: number; cpuS: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const ticks = Number(stat[11]) + Number(stat[12]); // utime + stime
  return { rssKb, cpuS: ticks / 100 };
}

interface ServerProcess {
  child: ChildProcess;
  wsUrl: string;
  stop(): Promise<void>;
}

function startServer(databaseUrl: string): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['-r', './scripts/register.js', 'src/main.ts'], {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      HOST: '127.0.0.1',
      PORT: '0',
      DEMO_CUSTOMERS: '0',
      ADMIN_API_KEY: ADMIN_KEY,
      LOG_LEVEL: 'info',
      MAX_SUBSCRIPTIONS_PER_KEY: '10000',
      RATE_LIMIT_PER_MINUTE: '1000000',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return new Promise((resolve, reject) => {
    let buffered = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const m = /"msg":"ready","url":"([^"]+)"/.exec(buffered);
      if (m) {
        buffered = '';
        resolve({
          child,
          wsUrl: m[1].replace(/^http/, 'ws'),
          async stop() {
            child.kill('SIGTERM');
            const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
            await exited;
            clearTimeout(t);
          },
        });
      } else if (buffered.length > 100_000) buffered = buffered.slice(-10_000);
    });
    void exited.then(() => reject(new Error(`server exited before it was ready:\n${buffered}`)));
  });
}

interface Subscriber {
  socket: WebSocket;
  /** How many times each event index arrived. */
  seen: Uint8Array;
  closeCode: number | null;
  /** An `error` message the server sent for the subscription, if any. */
  error: string | null;
}

/** One connection speaking graphql-transport-ws, with one subscription; resolves once acknowledged and subscribed. */
function subscribeOne(
  url: string,
  after: string,
  maxEvents: number,
  onEvent: (sub: Subscriber, index: number, at: number) => void,
): Promise<Subscriber> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, 'graphql-transport-ws', { perMessageDeflate: false });
    const sub: Subscriber = { socket, seen: new Uint8Array(maxEvents), closeCode: null, error: null };
    socket.once('error', reject);
    socket.once('close', (code) => (sub.closeCode = code));
    socket.once('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${ADMIN_KEY}` } })));
    socket.on('message', (data: Buffer) => {
      const at = performance.now();
      const text = data.toString();
      // The event index is in the reason ("bench:<i>"); a regex is cheaper than parsing every message.
      const m = /"reason":"bench:(\d+)"/.exec(text);
      if (m) return onEvent(sub, Number(m[1]), at);
      if (text.includes('"connection_ack"')) {
        socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: SUBSCRIPTION, variables: { after } } }));
        resolve(sub);
      } else if (text.includes('"type":"error"')) sub.error = text;
    });
  });
}

async function run(databaseUrl: string, subscribers: number, rate: number): Promise<string> {
  const ds = createDataSource({ url: databaseUrl, poolSize: 10 });
  await ds.initialize();
  const lifecycle = new LifecycleService(ds, systemClock);
  const events = new EventService(ds, systemClock);
  const rows: { id: string }[] = await ds.query(
    `INSERT INTO customer (name, stage, stage_entered_at) SELECT 'Bench customer ' || g, 'RETAINED', now() FROM generate_series(1, $1) g RETURNING id`,
    [CUSTOMERS],
  );
  const ids = rows.map((r) => toGlobalId('Customer', r.id));
  const stageOf = new Map(ids.map((id) => [id, LifecycleStage.RETAINED]));

  const server = await startServer(databaseUrl);
  const pid = server.child.pid!;
  try {
    await sleep(500);
    const base = usage(pid);
    const total = Math.round(rate * SECONDS);
    const warmup = total; // index of the warm-up event, after the measured ones
    const commitAt = new Float64Array(total + 1).fill(NaN);
    const latencies = new Float64Array(subscribers * total);
    let latencyCount = 0;
    let early = 0;
    let warmedUp = 0;
    const onEvent = (sub: Subscriber, index: number, at: number) => {
      if (index > warmup) return;
      if (sub.seen[index]++ === 0 && index === warmup) warmedUp++;
      if (index === warmup) return;
      const c = commitAt[index];
      if (Number.isNaN(c)) early++;
      else latencies[latencyCount++] = at - c;
    };

    const after = await events.latestCursor();
    const setupStarted = performance.now();
    const subs: Subscriber[] = [];
    for (let i = 0; i < subscribers; i += CONNECT_CONCURRENCY) {
      const batch = Math.min(CONNECT_CONCURRENCY, subscribers - i);
      subs.push(...(await Promise.all(Array.from({ length: batch }, () => subscribeOne(server.wsUrl, after, total + 1, onEvent)))));
    }
    const setupMs = performance.now() - setupStarted;

    const move = async (index: number) => {
      const id = ids[index % ids.length];
      const to = stageOf.get(id) === LifecycleStage.RETAINED ? LifecycleStage.EXPANDING : LifecycleStage.RETAINED;
      stageOf.set(id, to);
      await lifecycle.transition({ customerId: id, to, reason: `bench:${index}` });
      return performance.now();
    };

    // Every subscriber live (it replays from `after`, so none misses this one): then measure.
    await move(warmup);
    const warmDeadline = Date.now() + 60_000;
    while (warmedUp < subscribers && Date.now() < warmDeadline) await sleep(50);
    const liveMs = performance.now() - setupStarted;
    const notLive = subscribers - warmedUp;
    const idle = usage(pid);

    let peakRssKb = idle.rssKb;
    const sampler = setInterval(() => (peakRssKb = Math.max(peakRssKb, usage(pid).rssKb)), 100);
    const started = performance.now();
    const writes: Promise<void>[] = [];
    for (let i = 0; i < total; i++) {
      const due = started + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      writes.push(move(i).then((t) => void (commitAt[i] = t)));
    }
    await Promise.all(writes);
    const expected = subscribers * total;
    const drainDeadline = Date.now() + 60_000;
    while (latencyCount + early < expected && Date.now() < drainDeadline) await sleep(50);
    await sleep(500); // let any duplicate show up
    clearInterval(sampler);
    const end = usage(pid);
    peakRssKb = Math.max(peakRssKb, end.rssKb);

    let lost = 0;
    let duplicated = 0;
    for (const s of subs) {
      for (let i = 0; i < total; i++) {
        if (s.seen[i] === 0) lost++;
        else if (s.seen[i] > 1) duplicated += s.seen[i] - 1;
      }
    }
    const sorted = latencies.slice(0, latencyCount).sort();
    const closes = new Map<number, number>();
    for (const s of subs) if (s.closeCode !== null) closes.set(s.closeCode, (closes.get(s.closeCode) ?? 0) + 1);
    for (const s of subs) s.socket.terminate();
    const closed = [...closes].map(([code, n]) => `${code}x${n}`).join(',') || 'none';
    const refused = subs.filter((x) => x.error);
    if (refused.length) console.error(`${refused.length} subscriptions refused, e.g. ${refused[0].error}`);
    return [
      `subscribers=${subscribers}`,
      `rate=${rate}/s`,
      `events=${total}`,
      `deliveries=${latencyCount + early}/${expected}`,
      `lost=${lost}`,
      `duplicated=${duplicated}`,
      `latency_ms p50=${quantile(sorted, 0.5).toFixed(1)} p99=${quantile(sorted, 0.99).toFixed(1)} max=${(sorted[sorted.length - 1] ?? NaN).toFixed(1)}`,
      `before_commit_ack=${early}`,
      `server_rss start=${mb(base.rssKb)} idle_with_subs=${mb(idle.rssKb)} peak=${mb(peakRssKb)}`,
      `server_cpu_s=${(end.cpuS - idle.cpuS).toFixed(1)}`,
      `closed_early=${closed}`,
      `not_live_after_setup=${notLive}`,
      `refused=${refused.length}`,
      `setup_s connect=${(setupMs / 1000).toFixed(1)} all_live=${(liveMs / 1000).toFixed(1)}`,
    ].join(' ');
  } finally {
    await server.stop();
    await ds.destroy();
  }
}

async function main(): Promise<void> {
  let stopEmbedded: (() => Promise<void>) | null = null;
  let adminUrl = process.env.DATABASE_URL;
  let dir: string | null = null;
  if (!adminUrl) {
    dir = mkdtempSync(path.join(tmpdir(), 'cg-bench-subs-'));
    chmodSync(dir, 0o755);
    const embedded = await startEmbeddedPostgres(path.join(dir, 'data'), log);
    adminUrl = embedded.url;
    stopEmbedded = () => embedded.stop();
  }
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  const databases: string[] = [];
  try {
    console.log(
      `bench:subscriptions  ${SECONDS}s of writes per run; latency = COMMIT returned to the writer -> message handled by the subscriber`,
    );
    for (const [i, n] of SUBSCRIBERS.entries()) {
      // A fresh database per run, so nothing one run leaves behind (events, per-key subscription slots) affects the next.
      const name = `cg_bench_subs_${randomBytes(4).toString('hex')}`;
      await admin.query(`CREATE DATABASE ${name}`);
      databases.push(name);
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      const ds = createDataSource({ url: url.toString() });
      await ds.initialize();
      await migrate(ds);
      await ds.destroy();
      console.log(await run(url.toString(), n, RATES[i] ?? RATES[RATES.length - 1]));
    }
  } finally {
    for (const name of databases) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
    await stopEmbedded?.();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
