/**
 * `npm run seed -- --customers N [--seed S] [--reset]`: migrates, then fills
 * the database (DATABASE_URL, or the embedded one under DATA_DIR) with demo
 * customers. Refuses to touch a database that already has customers unless
 * --reset is given, which replaces them in the same transaction.
 */
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config';
import { DEFAULT_SEED, seedDemoData } from '../db/seed/seed';
import { progressFor } from '../db/seed/progress';
import { runCli, withDatabase } from './run';

const USAGE = `Usage: npm run seed -- [--customers N] [--seed TEXT] [--reset]

  --customers N   how many demo customers to create (default: DEMO_CUSTOMERS, 5000)
  --seed TEXT     random seed; the same seed gives the same data (default: ${DEFAULT_SEED})
  --reset         delete existing customers, products, personas (and what references them) first
  --help          show this text

Connects to DATABASE_URL, or starts the embedded PostgreSQL under DATA_DIR.`;

async function run(): Promise<number> {
  const { values } = parseArgs({
    options: {
      customers: { type: 'string' },
      seed: { type: 'string' },
      reset: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    allowPositionals: false,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const config = loadConfig();
  const customers = values.customers === undefined ? config.demoCustomers : Number(values.customers);
  if (!Number.isInteger(customers) || customers < 1 || customers > 10_000_000) {
    console.error(`--customers must be a whole number from 1 to 10000000, got "${values.customers}"\n\n${USAGE}`);
    return 2;
  }
  return withDatabase({ config, applicationName: 'customer-graph-seed' }, async ({ ds, log }) => {
    const summary = await seedDemoData(ds, {
      customers,
      seed: values.seed ?? DEFAULT_SEED,
      reset: values.reset,
      progress: progressFor(log),
    });
    if (!summary) {
      const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM customer`);
      console.error(`The database already has ${n} customers; nothing was written. Pass --reset to replace them.`);
      return 1;
    }
    const table = Object.entries(summary.rows)
      .map(([name, rows]) => `  ${name.padEnd(13)} ${String(rows).padStart(10)}`)
      .join('\n');
    console.log(
      `Seeded ${customers} customers in ${(summary.ms / 1000).toFixed(1)} s (${summary.totalRows} rows, ${summary.rowsPerSecond} rows/s):\n${table}`,
    );
    return 0;
  });
}

runCli(run);
