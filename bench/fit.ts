/**
 * `npm run bench:fit [-- --source cdnow-master|cdnow|synthetic|demo --customers 100000 --runs 2 --phases]`
 *
 * A churn fit end to end through the API: the `fitChurnModel` mutation over HTTP with the real
 * clock, so it reads the purchase log, fits BG/NBD and Gamma-Gamma, scores every customer, ranks
 * value tiers, moves the customers whose risk rose into HIGH or CRITICAL to AT_RISK (history rows
 * and STAGE_CHANGED events) and answers. Scored "now", the CDNOW customers (last seen in 1998)
 * are nearly all at risk, so the first run also moves nearly all of them: the heaviest case.
 * The second run replaces the first model's scores and moves nobody new.
 *
 * Sources: `cdnow-master` (23,570 customers, 69,659 purchases, the full CDNOW cohort from
 * ../shared/data/cdnow/), `cdnow` (the 2,357-customer sample of test/fixtures/cdnow), or
 * `synthetic` (`--customers` customers with 1–12 purchases each over three years), or `demo`
 * (the demo generator of `npm run seed` with `--customers`: personas, holdings, touchpoints and
 * stage histories as well, the heaviest input per customer). CDNOW and synthetic logs are loaded
 * by SQL (the import path is timed by bench:import), their customers in stage CONVERTED.
 *
 * Database: DATABASE_URL's server when set, otherwise an embedded PostgreSQL in bench/.data/
 * (shared with bench:read). The database cg_bench_fit is recreated every run.
 * Figures only, no pass/fail.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import { startApp } from '../src/app';
import { createDataSource, migrate } from '../src/db/data-source';
import { startEmbeddedPostgres, type EmbeddedServer } from '../src/db/embedded-postgres';
import { DEFAULT_SEED, seedDemoData } from '../src/db/seed/seed';
import { ChurnModelService, type FitPhase } from '../src/modules/analytics/churn-model.service';
import { createLogger, type Logger } from '../src/shared/logger';
import { loadElog } from '../test/fixtures/cdnow/load';

const DATA_DIR = path.join(__dirname, '.data');
const DATABASE = 'cg_bench_fit';
const MASTER_LOG = path.join(__dirname, '..', '..', 'shared', 'data', 'cdnow', 'cdnow_master_elog.csv');
const FIT_MUTATION = `mutation Fit { fitChurnModel { scoredCustomers movedToAtRisk model { fitMs scoringMs customerCount } } }`;

const say = (line: string) => console.log(line);
const ms = (v: number) => `${v.toFixed(0).padStart(6)} ms`;

interface LogRow {
  customer: number;
  day: string;
  quantity: number;
  amount: number;
}

function masterLog(): LogRow[] {
  if (!existsSync(MASTER_LOG))
    throw new Error('The CDNOW master log is not beside the project (../shared/data/cdnow/cdnow_master_elog.csv).');
  return readFileSync(MASTER_LOG, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => {
      const [id, day, q, a] = line.split(',');
      return { customer: Number(id), day: day!, quantity: Number(q), amount: Number(a) };
    });
}

/** A deterministic log as the BG/NBD pictures it: customers first buy over two years, then buy again at their own pace, each purchase possibly their last. */
function syntheticLog(customers: number): LogRow[] {
  let s = 424242;
  const rnd = () => (s = (s * 16807) % 2147483647) / 2147483647;
  const start = Date.UTC(2023, 0, 1) / 86_400_000;
  const end = Math.floor(Date.now() / 86_400_000) - 1;
  const rows: LogRow[] = [];
  for (let c = 1; c <= customers; c++) {
    let day = start + Math.floor(rnd() * 730);
    const gap = 10 + rnd() * 120;
    const extra = Math.floor(rnd() * rnd() * 12);
    const spend = 5 + rnd() * 80;
    const dropout = 0.05 + 0.4 * rnd();
    for (let i = 0; i <= extra && day <= end; i++) {
      rows.push({
        customer: c,
        day: new Date(day * 86_400_000).toISOString().slice(0, 10),
        quantity: 1,
        amount: Math.round(spend * (0.5 + rnd()) * 100) / 100,
      });
      day += Math.max(1, Math.round(gap * -Math.log(1 - rnd() * 0.999)));
      if (rnd() < dropout) break;
    }
  }
  return rows;
}

async function load(url: string, rows: LogRow[]): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const ids = [...new Set(rows.map((r) => r.customer))];
    await c.query(
      `INSERT INTO customer (external_id, name, stage, stage_entered_at)
       SELECT 'bench-' || id, 'Bench customer ' || id, 'CONVERTED', '1997-01-01' FROM unnest($1::int[]) id`,
      [ids],
    );
    for (let i = 0; i < rows.length; i += 100_000) {
      const chunk = rows.slice(i, i + 100_000);
      await c.query(
        `INSERT INTO purchase (customer_id, occurred_at, quantity, amount)
         SELECT c.id, (r.day || 'T12:00:00Z')::timestamptz, r.q, r.a
         FROM unnest($1::int[], $2::text[], $3::int[], $4::numeric[]) AS r(cid, day, q, a)
         JOIN customer c ON c.external_id = 'bench-' || r.cid`,
        [chunk.map((r) => r.customer), chunk.map((r) => r.day), chunk.map((r) => r.quantity), chunk.map((r) => r.amount.toFixed(2))],
      );
    }
    await c.query('VACUUM ANALYZE customer; ');
    await c.query('VACUUM ANALYZE purchase');
  } finally {
    await c.end();
  }
}

async function recreate(adminUrl: string): Promise<string> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    await c.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await c.end();
  }
  const u = new URL(adminUrl);
  u.pathname = `/${DATABASE}`;
  return u.toString();
}

/** One `fitChurnModel` through a real server on `ds` (started and stopped here), timed from request to answer. */
export async function fitOverHttp(ds: DataSource, log: Logger): Promise<{ ms: number; scoredCustomers: number; movedToAtRisk: number }> {
  const adminKey = `cg-bench-admin-${randomBytes(18).toString('base64url')}`;
  const app = await startApp({ config: { host: '127.0.0.1', port: 0, adminApiKey: adminKey }, ds, log });
  try {
    const start = performance.now();
    const res = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminKey}` },
      body: JSON.stringify({ query: FIT_MUTATION }),
    });
    const body = (await res.json()) as { data?: { fitChurnModel: { scoredCustomers: number; movedToAtRisk: number } }; errors?: unknown };
    const took = performance.now() - start;
    if (!body.data) throw new Error(`fitChurnModel failed: ${JSON.stringify(body.errors)}`);
    return { ms: took, ...body.data.fitChurnModel };
  } finally {
    await app.stop();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      source: { type: 'string', default: 'cdnow-master' },
      customers: { type: 'string', default: '100000' },
      runs: { type: 'string', default: '2' },
      phases: { type: 'boolean', default: false },
    },
  });
  const source = values.source!;
  const rows =
    source === 'cdnow-master'
      ? masterLog()
      : source === 'cdnow'
        ? loadElog().map((r) => ({ customer: r.customerId, day: r.date, quantity: r.quantity, amount: r.amount }))
        : source === 'synthetic'
          ? syntheticLog(Number(values.customers))
          : source === 'demo'
            ? []
            : null;
  if (!rows) throw new Error(`--source must be cdnow-master, cdnow, synthetic or demo, not ${source}`);

  const log = createLogger('warn');
  const envUrl = process.env.DATABASE_URL?.trim();
  let embedded: EmbeddedServer | null = null;
  if (!envUrl) embedded = await startEmbeddedPostgres(DATA_DIR, log);
  try {
    const url = await recreate(envUrl || embedded!.url);
    const ds = createDataSource({ url, applicationName: 'customer-graph-bench-fit' });
    await ds.initialize();
    await migrate(ds);
    const t0 = performance.now();
    if (source === 'demo') await seedDemoData(ds, { customers: Number(values.customers), seed: DEFAULT_SEED, reset: false });
    else await load(url, rows);
    const [counts] = await ds.query(
      `SELECT (SELECT count(*) FROM customer)::int AS customers, (SELECT count(*) FROM purchase)::int AS purchases,
              (SELECT count(*) FROM holding)::int AS holdings, (SELECT count(*) FROM touchpoint)::int AS touchpoints`,
    );
    const n = (v: number) => v.toLocaleString('en');
    say(`Churn fit benchmark: Node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'})`);
    say(
      `source ${source}: ${n(counts.customers)} customers, ${n(counts.purchases)} purchases, ${n(counts.holdings)} holdings, ` +
        `${n(counts.touchpoints)} touchpoints (loaded in ${(performance.now() - t0).toFixed(0)} ms)\n`,
    );

    if (values.phases) {
      // In process, with the phases the service reports (the CLI's progress bar uses the same).
      const service = new ChurnModelService(ds, { now: () => new Date() }, { log });
      for (let run = 1; run <= Number(values.runs); run++) {
        const phases = new Map<FitPhase, number>();
        let last = performance.now();
        let current: FitPhase | null = null;
        const start = performance.now();
        const result = await service.fit({}, (phase) => {
          const now = performance.now();
          if (current) phases.set(current, (phases.get(current) ?? 0) + now - last);
          current = phase;
          last = now;
        });
        if (current) phases.set(current, (phases.get(current) ?? 0) + performance.now() - last);
        say(
          `run ${run} (in process): ${ms(performance.now() - start)}, ${result.scoredCustomers} scored, ${result.movedToAtRisk} moved to AT_RISK`,
        );
        for (const [phase, t] of phases) say(`   ${phase.padEnd(12)} ${ms(t)}`);
      }
    } else {
      for (let run = 1; run <= Number(values.runs); run++) {
        const r = await fitOverHttp(ds, log);
        say(
          `run ${run} (fitChurnModel over HTTP): ${ms(r.ms)}, ${r.scoredCustomers.toLocaleString('en')} scored, ${r.movedToAtRisk.toLocaleString('en')} moved to AT_RISK`,
        );
      }
    }
    await ds.destroy();
  } finally {
    await embedded?.stop();
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  });
}
