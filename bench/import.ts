/**
 * `npm run bench:import [-- --rows 5000000 --customers 500000 --only customers,purchases,cdnow]`
 *
 * Bulk-import throughput through the real import path (ImportService, what `npm run import` and
 * `POST /import/<kind>` call: file stream → CSV reader → COPY → SQL checks → set-based merge):
 *
 * 1. customers: a generated CSV of `--customers` rows (default 500,000), upserted by externalId
 *    into an empty database; rows/s.
 * 2. purchases: a generated CSV of `--rows` rows (default 5,000,000) for those customers, each
 *    with a sourceId; rows/s end to end and the peak RSS of this process (sampled every 50 ms).
 * 3. cdnow: `../shared/data/cdnow/cdnow_master_elog.csv` (69,659 purchases, 23,570 customers,
 *    `--format cdnow`, customers created on the way) into a fresh database; seconds.
 *
 * Database: DATABASE_URL's server when set (the bench databases are created there), otherwise an
 * embedded PostgreSQL in bench/.data/ (ignored by git). Generated files go to bench/.import-data/ (ignored)
 * and are reused while their size matches. Results: bench/results/import-<time>.json.
 * Figures only, no pass/fail: they depend on the machine and drift between runs.
 */
import 'reflect-metadata';
import { createReadStream, createWriteStream, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import { fitOverHttp } from './fit';
import { createDataSource, migrate } from '../src/db/data-source';
import { startEmbeddedPostgres, type EmbeddedServer } from '../src/db/embedded-postgres';
import { createServices } from '../src/services';
import { systemClock } from '../src/shared/clock';
import { createLogger } from '../src/shared/logger';
import type { ImportFormat, ImportKind } from '../src/modules/imports/import.kinds';
import type { ImportReport } from '../src/modules/imports/import.service';

const ROOT = path.resolve(__dirname, '..');
const DATA_DIR = path.join(__dirname, '.data');
// Beside the cluster, not inside it: bench/.data/ is PostgreSQL's data directory.
const FILES_DIR = path.join(__dirname, '.import-data');
const RESULTS_DIR = path.join(__dirname, 'results');
/** Relative to the repository root: the shared data folder sits beside it. */
const CDNOW_MASTER = path.join(ROOT, '../shared/data/cdnow/cdnow_master_elog.csv');
const STEPS = ['customers', 'purchases', 'cdnow'] as const;
type Step = (typeof STEPS)[number];

const USAGE = `Usage: npm run bench:import -- [options]

  --rows N        purchases in the generated file (default 5000000)
  --customers N   customers in the generated file (default 500000)
  --only A,B      only these steps: ${STEPS.join(', ')} (purchases needs customers)
  --help          show this text

DATABASE_URL: use that server (databases cg_bench_import and cg_bench_import_cdnow are re-created
there); unset: an embedded PostgreSQL in bench/.data/.`;

const say = (line: string) => process.stdout.write(`${line}\n`);

/** Samples this process's RSS until stopped; returns the peak in bytes. `mark()` returns the peak so far and starts a new one. */
function rssSampler(): { mark(): number; stop(): number } {
  let peak = process.memoryUsage().rss;
  let overall = peak;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
    overall = Math.max(overall, peak);
  }, 50);
  return {
    mark() {
      const p = Math.max(peak, process.memoryUsage().rss);
      overall = Math.max(overall, p);
      peak = 0;
      return p;
    },
    stop() {
      clearInterval(timer);
      return Math.max(overall, peak, process.memoryUsage().rss);
    },
  };
}

/** Writes `rows` lines from `line(i)` after `header`, respecting the stream's backpressure. */
async function writeCsv(file: string, header: string, rows: number, line: (i: number) => string): Promise<void> {
  const out = createWriteStream(file);
  let chunk = `${header}\n`;
  for (let i = 0; i < rows; i++) {
    chunk += `${line(i)}\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
}

/** Generated files, reused when present (a file is rewritten if it was left half-written). */
async function ensureFiles(customers: number, purchases: number): Promise<{ customers: string; purchases: string }> {
  mkdirSync(FILES_DIR, { recursive: true });
  const customersFile = path.join(FILES_DIR, `customers-${customers}.csv`);
  const purchasesFile = path.join(FILES_DIR, `purchases-${purchases}-of-${customers}.csv`);
  const marker = (file: string) => `${file}.done`;
  if (!existsSync(marker(customersFile))) {
    say(`generating ${path.relative(ROOT, customersFile)}`);
    await writeCsv(
      customersFile,
      'externalId,name,email,phone',
      customers,
      (i) => `c-${i},Customer ${i},customer.${i}@example.com,+1 555 ${String(i).padStart(7, '0')}`,
    );
    writeFileSync(marker(customersFile), '');
  }
  if (!existsSync(marker(purchasesFile))) {
    say(`generating ${path.relative(ROOT, purchasesFile)}`);
    const start = Date.UTC(2023, 0, 1);
    const span = 2 * 365 * 86_400_000;
    let seed = 42;
    const rand = () => {
      // xorshift32: the same file on every machine.
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) / 4294967296;
    };
    await writeCsv(purchasesFile, 'customerExternalId,occurredAt,amount,quantity,sourceId', purchases, (i) => {
      const customer = Math.floor(rand() * customers);
      const at = new Date(start + Math.floor(rand() * span)).toISOString();
      const amount = (1 + rand() * 199).toFixed(2);
      return `c-${customer},${at},${amount},${1 + Math.floor(rand() * 3)},order-${i}`;
    });
    writeFileSync(marker(purchasesFile), '');
  }
  return { customers: customersFile, purchases: purchasesFile };
}

interface Server {
  adminUrl: string;
  embedded: EmbeddedServer | null;
}

async function startServer(): Promise<Server> {
  const url = process.env.DATABASE_URL?.trim();
  if (url) return { adminUrl: url, embedded: null };
  return { adminUrl: '', embedded: await startEmbeddedPostgres(DATA_DIR, createLogger('warn')) };
}

/** Drops and re-creates `name` on the server, migrated; returns a DataSource on it. */
async function freshDatabase(server: Server, name: string): Promise<DataSource> {
  const adminUrl = server.embedded?.url ?? server.adminUrl;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  const ds = createDataSource({ url: u.toString(), poolSize: 4, applicationName: 'customer-graph-bench-import' });
  await ds.initialize();
  await migrate(ds);
  return ds;
}

interface Measured {
  report: ImportReport;
  seconds: number;
  rowsPerSecond: number;
  peakRssMb: number;
  /** Peak RSS while the file was read into the staging table, and after (checks, merge, moves, re-scoring). */
  peakRssMbByPhase: { read: number; rest: number };
}

async function measure(ds: DataSource, kind: ImportKind, file: string, format: ImportFormat): Promise<Measured> {
  const services = createServices(ds, systemClock, { log: createLogger('warn') });
  const rss = rssSampler();
  const started = process.hrtime.bigint();
  let readPeak = 0;
  const report = await services.imports.run(kind, createReadStream(file, { highWaterMark: 256 * 1024 }), {
    format,
    createCustomers: format === 'cdnow',
    onStaged: () => {
      readPeak = rss.mark();
    },
  });
  await services.analytics.models.idle();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const restPeak = rss.mark();
  const peakRssMb = Math.round(rss.stop() / 1024 / 1024);
  const mb = (b: number) => Math.round(b / 1024 / 1024);
  if (!report.committed) throw new Error(`${kind} import did not commit: ${JSON.stringify(report.errors.slice(0, 5))}`);
  return {
    report,
    seconds,
    rowsPerSecond: Math.round(report.rows / seconds),
    peakRssMb,
    peakRssMbByPhase: { read: mb(readPeak), rest: mb(restPeak) },
  };
}

const describe = (name: string, m: Measured) =>
  `${name.padEnd(10)} ${String(m.report.rows).padStart(9)} rows  ${m.seconds.toFixed(2).padStart(7)} s  ${String(m.rowsPerSecond).padStart(8)} rows/s  ` +
  `peak RSS ${m.peakRssMb} MB (read ${m.peakRssMbByPhase.read}, rest ${m.peakRssMbByPhase.rest})  (inserted ${m.report.inserted}, updated ${m.report.updated}, skipped ${m.report.skipped}, stage changes ${m.report.stageChanges})`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string', default: '5000000' },
      customers: { type: 'string', default: '500000' },
      only: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    say(USAGE);
    return 0;
  }
  const rows = Number(values.rows);
  const customers = Number(values.customers);
  const only = values.only ? (values.only.split(',') as Step[]) : [...STEPS];
  if (!Number.isInteger(rows) || rows < 1 || !Number.isInteger(customers) || customers < 1 || only.some((s) => !STEPS.includes(s))) {
    say(USAGE);
    return 2;
  }
  if (only.includes('purchases') && !only.includes('customers')) only.unshift('customers');

  const files = only.includes('customers') ? await ensureFiles(customers, rows) : null;
  const server = await startServer();
  const results: Record<string, unknown> = {};
  let cdnowDs: DataSource | null = null;
  try {
    if (files) {
      const ds = await freshDatabase(server, 'cg_bench_import');
      try {
        say(`\nimporting into cg_bench_import (${(statSync(files.purchases).size / 1e6).toFixed(0)} MB of purchases)`);
        const c = await measure(ds, 'customers', files.customers, 'csv');
        say(describe('customers', c));
        results.customers = c;
        if (only.includes('purchases')) {
          const p = await measure(ds, 'purchases', files.purchases, 'csv');
          say(describe('purchases', p));
          results.purchases = p;
        }
      } finally {
        await ds.destroy();
      }
    }
    if (only.includes('cdnow')) {
      cdnowDs = await freshDatabase(server, 'cg_bench_import_cdnow');
      const m = await measure(cdnowDs, 'purchases', CDNOW_MASTER, 'cdnow');
      say(describe('cdnow', m) + `  customers created ${m.report.customersCreated}`);
      results.cdnow = m;

      // The churn fit end to end on the 23,570 customers just imported (bench:fit has more sources).
      const fit = await fitOverHttp(cdnowDs, createLogger('warn'));
      say(
        `cdnow fit    fitChurnModel over HTTP ${(fit.ms / 1000).toFixed(2)} s: ${fit.scoredCustomers} scored, ${fit.movedToAtRisk} moved to AT_RISK`,
      );
      results.cdnowFit = fit;
    }
  } finally {
    if (cdnowDs?.isInitialized) await cdnowDs.destroy();
    await server.embedded?.stop();
  }

  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `import-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  const strip = (v: unknown) =>
    v && typeof v === 'object' && 'report' in v ? { ...(v as Measured), report: { ...(v as Measured).report, errors: undefined } } : v;
  writeFileSync(
    file,
    `${JSON.stringify({ rows, customers, node: process.version, results: Object.fromEntries(Object.entries(results).map(([k, v]) => [k, strip(v)])) }, null, 2)}\n`,
  );
  say(`\nresults: ${path.relative(ROOT, file)}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
