/**
 * `npm run bench:duplicates [-- --customers 100000 --runs 30]`
 *
 * Duplicate detection at scale: loads `--customers` customers (default 100,000) into a fresh
 * database, `cg_bench_duplicates`, with planted duplicates (about 2 % of the base: the same email
 * in other case and spacing, the same phone in another format, or a misspelt name sharing the
 * email's local part), then times over HTTP:
 *
 * - the first page of `Query.duplicateCandidates(first: 50)`, the figure the issue sets at
 *   under 200 ms (median and p95 of `--runs` requests after a warm-up);
 * - `Customer.possibleDuplicates` of one customer;
 * - and what keeping the pairs current costs writers: the rows of the bulk insert, then the pairs
 *   the insert trigger computes for them (timed apart), one profile edit, and a 10,000-row stage
 *   update that changes no matching key, with and without the update trigger.
 *
 * Database: DATABASE_URL's server when set (the bench database is created there), otherwise an
 * embedded PostgreSQL in bench/.data/ (the read bench's cluster), stopped at the end. Figures
 * only, no pass/fail: they depend on the machine.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { startApp } from '../src/app';
import { createDataSource } from '../src/db/data-source';
import { startEmbeddedPostgres, type EmbeddedServer } from '../src/db/embedded-postgres';
import { createLogger } from '../src/shared/logger';

const DATABASE = 'cg_bench_duplicates';
const DATA_DIR = path.join(__dirname, '.data');
const say = (line: string) => console.log(line);
const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const fmt = (x: number) => `${x.toFixed(1)} ms`;

/** Customers with deterministic names, emails and phones; every 50th row is planted again as a variant of an earlier one. */
const LOAD = `
  WITH base AS (
    SELECT g AS n,
      (ARRAY['Ann','Bo','Carla','Dev','Eli','Fatima','Gus','Hana','Ivan','Jo','Kemal','Lena','Miguel','Nora','Omar','Priya'])[1 + g % 16] AS first,
      (ARRAY['Lee','Chen','Smith','Garcia','Okafor','Novak','Haddad','Kim','Silva','Brown','Ito','Mensah','Rossi','Khan','Meyer','Dubois'])[1 + (g / 16) % 16] AS last
    FROM generate_series(1, $1::int) g
  ), rows AS (
    SELECT n, first || ' ' || last || ' ' || n AS name, lower(first || '.' || last || n) || '@example.com' AS email,
      '+1 555 ' || lpad((n % 10000000)::text, 7, '0') AS phone
    FROM base
  ), planted AS (
    SELECT n,
      CASE n % 3 WHEN 2 THEN replace(name, 'a', 'e') ELSE upper(name) END AS name,
      CASE n % 3 WHEN 0 THEN ' ' || upper(email) || ' ' WHEN 1 THEN NULL ELSE split_part(email, '@', 1) || '@other.org' END AS email,
      CASE n % 3 WHEN 1 THEN '1-555-' || substr(lpad((n % 10000000)::text, 7, '0'), 1, 3) || '-' || substr(lpad((n % 10000000)::text, 7, '0'), 4) END AS phone
    FROM rows WHERE n % 50 = 0
  )
  INSERT INTO customer (name, email, phone, stage, stage_entered_at)
  SELECT name, email, phone, 'IDENTIFIED', now() FROM (SELECT * FROM rows UNION ALL SELECT * FROM planted) x ORDER BY n`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { customers: { type: 'string', default: '100000' }, runs: { type: 'string', default: '30' } },
    allowPositionals: false,
  });
  const customers = Number(values.customers);
  const runs = Number(values.runs);
  if (!Number.isInteger(customers) || customers < 100 || !Number.isInteger(runs) || runs < 1) {
    throw new Error('--customers must be a whole number of at least 100 and --runs at least 1');
  }
  const log = createLogger('warn');
  const given = process.env.DATABASE_URL?.trim();
  let embedded: EmbeddedServer | null = null;
  const adminUrl = given ?? (embedded = await startEmbeddedPostgres(DATA_DIR, log)).url;
  const url = new URL(adminUrl);
  url.pathname = `/${DATABASE}`;
  try {
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${DATABASE}`);
    await admin.end();

    const ds = createDataSource({ url: url.toString(), poolSize: 10, applicationName: 'bench-duplicates' });
    await ds.initialize();
    await ds.runMigrations();

    // The load in two timed parts: the rows, then the pairs (what the insert trigger does for a bulk insert).
    await ds.query(`ALTER TABLE customer DISABLE TRIGGER customer_duplicates_insert`);
    let t0 = process.hrtime.bigint();
    await ds.query(LOAD, [customers]);
    const loadMs = ms(t0);
    await ds.query(`ALTER TABLE customer ENABLE TRIGGER customer_duplicates_insert`);
    t0 = process.hrtime.bigint();
    await ds.query(`SELECT refresh_duplicate_pairs(ARRAY(SELECT id FROM customer))`);
    const pairsMs = ms(t0);
    await ds.query(`ANALYZE customer`);
    await ds.query(`ANALYZE duplicate_pair`);
    const [{ total, pairs }] = await ds.query(
      `SELECT (SELECT count(*) FROM customer)::int AS total, (SELECT count(*) FROM duplicate_pair WHERE customer_id < duplicate_id)::int AS pairs`,
    );
    say(
      `loaded ${total} customers (${customers} + ${total - customers} planted) in ${(loadMs / 1000).toFixed(2)} s without the pair trigger; ` +
        `their ${pairs} pairs, as the insert trigger computes them (one set-based refresh), in ${(pairsMs / 1000).toFixed(2)} s`,
    );

    const adminKey = `cg-bench-${randomBytes(18).toString('base64url')}`;
    const app = await startApp({
      config: { host: '127.0.0.1', port: 0, adminApiKey: adminKey, rateLimitPerMinute: 1_000_000, anonymousRateLimitPerMinute: 1_000_000 },
      ds,
      log,
    });
    const post = async (query: string, variables: Record<string, unknown> = {}) => {
      const res = await fetch(app.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${adminKey}` },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await res.json()) as { data?: unknown; errors?: unknown[] };
      if (body.errors) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors).slice(0, 500)}`);
      return body.data as Record<string, never>;
    };
    const time = async (what: string, query: string, variables: Record<string, unknown> = {}) => {
      for (let i = 0; i < 5; i++) await post(query, variables);
      const xs: number[] = [];
      for (let i = 0; i < runs; i++) {
        const t = process.hrtime.bigint();
        await post(query, variables);
        xs.push(ms(t));
      }
      say(
        `${what}: median ${fmt(percentile(xs, 50))}, p95 ${fmt(percentile(xs, 95))}, max ${fmt(Math.max(...xs))} (${runs} requests over HTTP)`,
      );
    };
    try {
      const firstPage = `query ($first: Int) { duplicateCandidates(first: $first) { totalCount pageInfo { hasNextPage endCursor }
        edges { node { score reasons nameSimilarity customer { id name email phone } duplicate { id name email phone } } } } }`;
      const page = await post(firstPage, { first: 50 });
      const edges = (page.duplicateCandidates as { edges: { node: { score: number; reasons: string[] } }[] }).edges;
      say(`first page: ${edges.length} pairs, scores ${edges[0]?.node.score}…${edges.at(-1)?.node.score}`);
      await time('duplicateCandidates(first: 50), first page with totalCount', firstPage, { first: 50 });
      const lean = `query { duplicateCandidates(first: 50) { edges { node { score reasons customer { id name } duplicate { id name } } } } }`;
      await time('duplicateCandidates(first: 50), first page without totalCount', lean);
      const [{ id }] = await ds.query(`SELECT customer_id AS id FROM duplicate_pair ORDER BY score DESC, customer_id LIMIT 1`);
      const gid = Buffer.from(`Customer:${id}`).toString('base64url');
      await time(
        'Customer.possibleDuplicates(first: 10)',
        `query ($id: ID!) { customer(id: $id) { possibleDuplicates(first: 10) { totalCount nodes { score reasons duplicate { id name } } } } }`,
        { id: gid },
      );

      const plan: { 'QUERY PLAN': string }[] = await ds.query(
        `EXPLAIN (ANALYZE, BUFFERS) SELECT * FROM duplicate_pair x WHERE x.customer_id < x.duplicate_id AND x.score >= 0
         ORDER BY x.score DESC, x.customer_id DESC, x.duplicate_id DESC LIMIT 51`,
      );
      say(
        `page plan: ${plan
          .map((r) => r['QUERY PLAN'])
          .filter((l) => /Index|Seq Scan|Execution Time/.test(l))
          .map((l) => l.trim())
          .join(' | ')}`,
      );

      t0 = process.hrtime.bigint();
      await ds.query(`UPDATE customer SET email = 'renamed.' || id || '@example.com' WHERE id = (SELECT min(id) FROM customer)`);
      say(`one profile edit (email) with its pair refresh: ${fmt(ms(t0))}`);
      t0 = process.hrtime.bigint();
      await ds.query(`UPDATE customer SET stage = 'ACQUIRED', stage_entered_at = now() WHERE id <= 10000`);
      say(`10,000-row stage update (no matching key changed; the trigger only compares): ${fmt(ms(t0))}`);
      await ds.query(`ALTER TABLE customer DISABLE TRIGGER customer_duplicates_update`);
      t0 = process.hrtime.bigint();
      await ds.query(`UPDATE customer SET stage = 'ACQUIRED', stage_entered_at = now() WHERE id > 10000 AND id <= 20000`);
      say(`the same update of another 10,000 rows with the trigger disabled (baseline): ${fmt(ms(t0))}`);
      await ds.query(`ALTER TABLE customer ENABLE TRIGGER customer_duplicates_update`);
    } finally {
      await app.stop();
      await ds.destroy();
    }
  } finally {
    await embedded?.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
