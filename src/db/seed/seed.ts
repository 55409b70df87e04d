/**
 * Demo data: a realistic hotel-group customer base (see generate.ts for what
 * it contains and catalogue.ts for the personas and products), written in one
 * transaction so a database has either all of it or none of it; an
 * interrupted seed leaves an empty database that the next start seeds again.
 *
 * Seeding writes no outbox events (customer_event): demo data is the starting
 * state, not changes for subscribers to replay. Event sequence numbers and
 * replay therefore start with the first real mutation.
 */
import type { DataSource } from 'typeorm';
import type { Logger } from '../../shared/logger';
import { cohorts, generateCohort } from './generate';
import { writeDemoSharing } from './sharing';
import { progressFor, silentProgress, type SeedProgress } from './progress';
import { emptyCounts, totalRows, writeCatalogue, writeCohort, type RowCounts } from './writer';

/** The seed `npm start` and `npm run seed` use unless told otherwise. */
export const DEFAULT_SEED = 'customer-graph-demo';

/** Tables seeding fills; `reset` empties them (and whatever references them, e.g. the outbox). */
const SEEDED_TABLES = ['consent_record', 'referral', 'touchpoint', 'purchase', 'holding', 'stage_change', 'customer', 'product', 'persona'];

/** Serialises concurrent seeders (two instances starting on one empty database). */
const SEED_LOCK_KEY = 'customer-graph:seed';

export interface SeedOptions {
  /** How many customers to create. */
  customers: number;
  /** Same seed (and `now`) → same data. Default DEFAULT_SEED. */
  seed?: string | number;
  /** The moment the demo histories lead up to. Default: the current time. */
  now?: Date;
  /** Empty the seeded tables first (same transaction). Without it a database with customers is left alone. */
  reset?: boolean;
  progress?: SeedProgress;
}

export interface SeedSummary {
  /** Rows inserted per table. */
  rows: RowCounts;
  totalRows: number;
  ms: number;
  rowsPerSecond: number;
}

/**
 * Seeds `customers` demo customers with their personas, products, stage
 * histories, purchases, holdings, touchpoints and referrals, and the demo
 * partner's sharing consents (sharing.ts). Returns null and
 * writes nothing when the database already has customers (unless `reset`).
 * All-or-nothing: one transaction, under an advisory lock so two processes
 * racing on an empty database seed it once.
 */
export async function seedDemoData(ds: DataSource, opts: SeedOptions): Promise<SeedSummary | null> {
  const seed = opts.seed ?? DEFAULT_SEED;
  const now = opts.now ?? new Date();
  const progress = opts.progress ?? silentProgress;
  const started = performance.now();
  const counts = emptyCounts();
  const qr = ds.createQueryRunner();
  await qr.connect();
  let progressStarted = false;
  try {
    await qr.startTransaction();
    await qr.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [SEED_LOCK_KEY]);
    if (opts.reset) {
      await qr.query(`TRUNCATE ${SEEDED_TABLES.join(', ')} RESTART IDENTITY CASCADE`);
    } else {
      const [{ has }] = await qr.query(`SELECT EXISTS (SELECT 1 FROM customer) AS has`);
      if (has) {
        await qr.rollbackTransaction();
        return null;
      }
    }
    const ids = await writeCatalogue(qr, counts);
    progress.start(opts.customers);
    progressStarted = true;
    for (const { start, count } of cohorts(opts.customers)) {
      await writeCohort(qr, generateCohort(seed, start, count, now), ids, counts);
      const seconds = (performance.now() - started) / 1000;
      progress.update(start + count, totalRows(counts), totalRows(counts) / Math.max(seconds, 1e-3));
    }
    await writeDemoSharing(qr);
    await qr.commitTransaction();
  } catch (err) {
    if (qr.isTransactionActive) await qr.rollbackTransaction();
    throw err;
  } finally {
    if (progressStarted) progress.stop();
    await qr.release();
  }
  const ms = performance.now() - started;
  const total = totalRows(counts);
  return { rows: counts, totalRows: total, ms: Math.round(ms), rowsPerSecond: Math.round(total / Math.max(ms / 1000, 1e-3)) };
}

/**
 * What `npm start` calls: seeds `customers` demo customers when the database
 * has none (0 disables), with a progress bar on a terminal and log lines
 * otherwise, and logs what it wrote.
 */
export async function seedIfEmpty(ds: DataSource, customers: number, log: Logger): Promise<SeedSummary | null> {
  if (customers <= 0) return null;
  const [{ has }] = await ds.query(`SELECT EXISTS (SELECT 1 FROM customer) AS has`);
  if (has) {
    log.debug('database has customers; not seeding demo data');
    return null;
  }
  log.info('database is empty: seeding demo data', { customers });
  const summary = await seedDemoData(ds, { customers, progress: progressFor(log) });
  if (summary)
    log.info('demo data seeded', { ...summary.rows, totalRows: summary.totalRows, ms: summary.ms, rowsPerSecond: summary.rowsPerSecond });
  return summary;
}
