/**
 * `npm run bench:read [-- --duration 10 --warmup 2 --connections 16 --rounds 1 --only customer360,nodes50 --rebuild --show-sql]`
 *
 * Read throughput of the GraphQL API over HTTP on a fixed data set (bench/read-dataset.ts: 10,000
 * customers, 200,000 touchpoints, …) in its own database, `cg_bench_read`, built on the first run
 * and reused after. Five operations (bench/read-operations.graphql), each checked once per variant
 * (no `errors`, the expected shape), then loaded by autocannon for `--duration` seconds after a
 * `--warmup`. Per operation it prints req/s, p50 and p99 latency, SQL statements per request, the
 * server's Node CPU per request, and errors; the same figures go to bench/results/read-<time>.json.
 * At the end it scrapes the API's /metrics and prints each operation's request count and latency
 * histogram (bench/results/read-<time>.metrics.txt keeps the whole scrape).
 *
 * - The API runs in this process (startApp, as the integration tests do) and autocannon in a child
 *   process (bench/read-load.ts), so this process's CPU time is the server's.
 * - SQL statements are counted with pg_stat_statements (only this database's, without BEGIN/COMMIT),
 *   or, where the server does not preload it, through the DataSource's onQuery hook; the output
 *   says which. Authentication and rate limiting (tagged `/* cg:infra *\/`) are counted apart.
 * - Database: DATABASE_URL's server when set (the bench database is created there), otherwise an
 *   embedded PostgreSQL in bench/.data/ (ignored by git; not .data/bench, because .data/ is the
 *   app's own cluster), started with pg_stat_statements preloaded and stopped at the end.
 *
 * Figures only, no pass/fail: they depend on the machine and drift between runs.
 */
import 'reflect-metadata';
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Kind, parse, print, type OperationDefinitionNode } from 'graphql';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import { startApp, type App } from '../src/app';
import { createDataSource } from '../src/db/data-source';
import { startEmbeddedPostgres, type EmbeddedServer } from '../src/db/embedded-postgres';
import { createLogger } from '../src/shared/logger';
import { DATASET_NOW, ensureReadDataset, SIZES, type DatasetInfo } from './read-dataset';
import type { LoadReply, LoadResult, LoadRun } from './read-load';
import { describeScrape, scrapeMetrics } from './metrics-scrape';

const ROOT = path.resolve(__dirname, '..');
const DATA_DIR = path.join(__dirname, '.data');
const RESULTS_DIR = path.join(__dirname, 'results');
const DATABASE = 'cg_bench_read';
/** The tag src/modules/auth puts on its statements; repeated here so the bench does not import the read path. */
const INFRA_TAG = '/* cg:infra */';
/** Marks this bench's own statements, so they are not counted. */
const BENCH_TAG = '/* cg:bench */';
const TRANSACTION_CONTROL = /^\s*(BEGIN|COMMIT|ROLLBACK|START TRANSACTION|SAVEPOINT|RELEASE|END)\b/i;
const OPERATION_NAMES = ['customer360', 'customerDeep', 'filteredSearch', 'lastPurchasePages', 'nodes50'] as const;
type OperationName = (typeof OPERATION_NAMES)[number];

const USAGE = `Usage: npm run bench:read -- [options]

  --duration S      seconds of load per operation (default 10)
  --warmup S        seconds of unmeasured load before each (default 2)
  --connections N   concurrent connections (default 16)
  --rounds N        run every operation N times, interleaved; the table shows medians (default 1)
  --only A,B        only these operations: ${OPERATION_NAMES.join(', ')}
  --rebuild         rebuild the data set even if it is up to date
  --show-sql        print each operation's statements (pg_stat_statements) per request
  --help            show this text

DATABASE_URL: use that server (the database ${DATABASE} is created there); unset: an embedded
PostgreSQL in bench/.data/.`;

const say = (line: string) => console.log(line);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** A bad command line: printed without a stack trace. */
class UsageError extends Error {}

interface Options {
  duration: number;
  warmup: number;
  connections: number;
  rounds: number;
  only: OperationName[];
  rebuild: boolean;
  showSql: boolean;
}

function options(): Options | null {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        duration: { type: 'string', default: '10' },
        warmup: { type: 'string', default: '2' },
        connections: { type: 'string', default: '16' },
        rounds: { type: 'string', default: '1' },
        only: { type: 'string' },
        rebuild: { type: 'boolean', default: false },
        'show-sql': { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
      allowPositionals: false,
    });
  } catch (err) {
    throw new UsageError(`${err instanceof Error ? err.message : String(err)}\n\n${USAGE}`);
  }
  const { values } = parsed;
  if (values.help) return null;
  const number = (name: 'duration' | 'warmup' | 'connections' | 'rounds', min: number, integer: boolean) => {
    const v = Number(values[name]);
    if (!Number.isFinite(v) || v < min || (integer && !Number.isInteger(v)))
      throw new UsageError(
        `--${name} must be ${integer ? 'a whole number' : 'a number'} of at least ${min}, got "${values[name]}"\n\n${USAGE}`,
      );
    return v;
  };
  const only = values.only
    ? values.only
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : [...OPERATION_NAMES];
  const unknown = only.filter((n) => !(OPERATION_NAMES as readonly string[]).includes(n));
  if (unknown.length || !only.length)
    throw new UsageError(`--only takes operation names among ${OPERATION_NAMES.join(', ')}; got "${values.only}"`);
  return {
    duration: number('duration', 1, false),
    warmup: number('warmup', 0, false),
    connections: number('connections', 1, true),
    rounds: number('rounds', 1, true),
    only: only as OperationName[],
    rebuild: values.rebuild ?? false,
    showSql: values['show-sql'] ?? false,
  };
}

// ---------------------------------------------------------------------------------------------
// Counting SQL statements.

interface StatementCounts {
  /** The operation's own statements (no transaction control, no infra). */
  operation: number;
  /** Authentication and rate limiting (tagged `/* cg:infra *\/`). */
  infra: number;
  /** The statements behind `operation`, most frequent first (pg_stat_statements only). */
  statements: { calls: number; query: string }[];
}

interface StatementCounter {
  method: string;
  /** Hooked to the app's DataSource: sees every statement it sends, with its SQL comments. */
  onQuery(sql: string): void;
  reset(): Promise<void>;
  read(): Promise<StatementCounts>;
  close(): Promise<void>;
}

const isTransactionControl = (sql: string) => TRANSACTION_CONTROL.test(sql.replace(/^\s*\/\*.*?\*\/\s*/s, ''));

/**
 * pg_stat_statements when the server preloads it, else the DataSource's statements alone.
 *
 * pg_stat_statements sees every statement of the bench database, whichever connection sent it,
 * but stores the text without leading comments, so the `/* cg:infra *\/` tag is lost there. The
 * infra statements are therefore counted through the DataSource's onQuery hook (which sees the
 * tag) and subtracted from pg_stat_statements' total.
 */
async function statementCounter(url: string): Promise<StatementCounter> {
  let seen = { operation: 0, infra: 0 };
  const onQuery = (sql: string) => {
    if (isTransactionControl(sql) || sql.includes(BENCH_TAG)) return;
    if (sql.includes(INFRA_TAG)) seen.infra++;
    else seen.operation++;
  };
  const client = new pg.Client({ connectionString: url, application_name: 'customer-graph-bench-read-stats' });
  await client.connect();
  const thisDb = `(SELECT oid FROM pg_database WHERE datname = current_database())`;
  let unavailable: string | null = null;
  try {
    const { rows } = await client.query<{ libs: string }>(`SELECT current_setting('shared_preload_libraries') AS libs`);
    if (!/\bpg_stat_statements\b/.test(rows[0].libs)) unavailable = 'the server does not preload pg_stat_statements';
    else {
      await client.query(`CREATE EXTENSION IF NOT EXISTS pg_stat_statements`);
      await client.query(`SELECT pg_stat_statements_reset(0, ${thisDb}, 0)`);
    }
  } catch (err) {
    unavailable = `pg_stat_statements is not usable here: ${err instanceof Error ? err.message : String(err)}`;
  }
  if (unavailable !== null) {
    await client.end();
    return {
      method: `the app DataSource's onQuery hook (${unavailable})`,
      onQuery,
      reset: async () => void (seen = { operation: 0, infra: 0 }),
      read: async () => ({ ...seen, statements: [] }),
      close: async () => undefined,
    };
  }
  return {
    method: 'pg_stat_statements (every statement of the bench database; infra ones counted through the DataSource)',
    onQuery,
    async reset() {
      seen = { operation: 0, infra: 0 };
      await client.query(`SELECT pg_stat_statements_reset(0, ${thisDb}, 0)`);
    },
    async read() {
      const { rows } = await client.query<{ query: string; calls: number }>(
        `SELECT query, calls::float8 AS calls FROM pg_stat_statements WHERE dbid = ${thisDb} ORDER BY calls DESC, query`,
      );
      // This counter's own statements are the only ones that mention the view.
      const counted = rows.filter((r) => !isTransactionControl(r.query) && !r.query.includes('pg_stat_statements'));
      const total = counted.reduce((n, r) => n + r.calls, 0);
      return {
        operation: total - seen.infra,
        infra: seen.infra,
        statements: counted.map((r) => ({ calls: r.calls, query: r.query.replace(/\s+/g, ' ').slice(0, 300) })),
      };
    },
    close: () => client.end(),
  };
}

// ---------------------------------------------------------------------------------------------
// The database server.

interface Server {
  adminUrl: string;
  embedded: EmbeddedServer | null;
}

async function preloadsPgStatStatements(url: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query<{ libs: string }>(`SELECT current_setting('shared_preload_libraries') AS libs`);
    return /\bpg_stat_statements\b/.test(rows[0].libs);
  } finally {
    await c.end();
  }
}

async function startServer(): Promise<Server> {
  const url = process.env.DATABASE_URL?.trim();
  if (url) return { adminUrl: url, embedded: null };
  const log = createLogger('warn');
  let embedded = await startEmbeddedPostgres(DATA_DIR, log);
  if (!(await preloadsPgStatStatements(embedded.url))) {
    // The binaries ship pg_stat_statements.so; preloading it takes a restart. ALTER SYSTEM keeps the
    // setting in this cluster's postgresql.auto.conf, so later runs start with it directly.
    say('embedded PostgreSQL: enabling pg_stat_statements (once, restarts the server)');
    const c = new pg.Client({ connectionString: embedded.url });
    await c.connect();
    await c.query(`ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'`);
    await c.end();
    await embedded.stop();
    embedded = await startEmbeddedPostgres(DATA_DIR, log);
  }
  return { adminUrl: embedded.url, embedded };
}

// ---------------------------------------------------------------------------------------------
// The operations.

const DOCUMENTS = (() => {
  const doc = parse(readFileSync(path.join(__dirname, 'read-operations.graphql'), 'utf8'));
  const byName = new Map<string, string>();
  for (const def of doc.definitions) {
    if (def.kind === Kind.OPERATION_DEFINITION && def.name) byName.set(def.name.value, print(def as OperationDefinitionNode));
  }
  return (name: string) => {
    const text = byName.get(name);
    if (!text) throw new Error(`bench/read-operations.graphql has no operation ${name}`);
    return text;
  };
})();

interface GraphQLBody {
  data?: unknown;
  errors?: unknown[];
}

/** Loosely typed access to response data: the checks below say what they expect. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response data, checked field by field below
type Json = any;

interface Operation {
  name: OperationName;
  query: string;
  /** Variable sets, sent in rotation by every connection. */
  variants: Record<string, unknown>[];
  /** A problem with one response's data, or null. */
  check(data: Json, variables: Record<string, unknown>): string | null;
}

interface Client {
  request(query: string, variables: Record<string, unknown>): Promise<GraphQLBody>;
  data(query: string, variables: Record<string, unknown>): Promise<Json>;
}

function client(url: string, headers: Record<string, string>): Client {
  const request = async (query: string, variables: Record<string, unknown>): Promise<GraphQLBody> => {
    const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
    const text = await res.text();
    try {
      return JSON.parse(text) as GraphQLBody;
    } catch {
      throw new Error(`HTTP ${res.status} with a body that is not JSON: ${text.slice(0, 300)}`);
    }
  };
  return {
    request,
    async data(query, variables) {
      const body = await request(query, variables);
      if (body.errors?.length || !body.data) throw new Error(`set-up query failed: ${JSON.stringify(body.errors ?? body, null, 2)}`);
      return body.data;
    },
  };
}

const isString = (v: unknown) => typeof v === 'string' && v.length > 0;
const STAGES = ['RETAINED', 'EXPANDING', 'ADVOCATE', 'AT_RISK'];
const SEARCH = 'okafor';
/** What `nodes50` asks for, by type, in this order (then interleaved). */
const NODE_MIX = { Customer: 12, Product: 8, Persona: 4, Holding: 8, Purchase: 6, Touchpoint: 6, Referral: 3, StageChange: 3 } as const;

/** Builds the operations, fetching the ids and cursors they are sent with through the API. */
async function buildOperations(api: Client): Promise<Operation[]> {
  const sample: Json[] = (await api.data(DOCUMENTS('BenchSample'), { first: 50 })).customers.nodes;
  if (sample.length !== 50) throw new Error(`expected 50 customers in the sample, got ${sample.length}`);

  const pool: Record<keyof typeof NODE_MIX, string[]> = {
    Customer: [],
    Product: [],
    Persona: [],
    Holding: [],
    Purchase: [],
    Touchpoint: [],
    Referral: [],
    StageChange: [],
  };
  const add = (type: keyof typeof NODE_MIX, id: unknown) => {
    if (isString(id) && !pool[type].includes(id as string)) pool[type].push(id as string);
  };
  for (const c of sample) {
    add('Customer', c.id);
    add('Persona', c.persona?.id);
    for (const h of c.holdings.nodes) {
      add('Holding', h.id);
      add('Product', h.product.id);
    }
    add('Purchase', c.purchases.nodes[0]?.id);
    add('Touchpoint', c.touchpoints.nodes[0]?.id);
    add('StageChange', c.stageHistory.nodes[0]?.id);
    add('Referral', c.referredBy?.id);
  }
  const picked = Object.entries(NODE_MIX).map(([type, n]) => {
    const ids = pool[type as keyof typeof NODE_MIX].slice(0, n);
    if (ids.length < n) throw new Error(`the sample has only ${ids.length} ${type} ids for nodes50, ${n} needed`);
    return ids.map((id) => ({ type, id }));
  });
  const mixed: { type: string; id: string }[] = [];
  for (let i = 0; mixed.length < 50; i++) for (const list of picked) if (list[i]) mixed.push(list[i]);

  const pages: (string | null)[] = [null];
  for (let i = 0; i < 2; i++) {
    const page = (await api.data(DOCUMENTS('BenchLastPurchasePage'), { after: pages[i] })).customers;
    if (!page.pageInfo.hasNextPage) throw new Error('expected at least three pages of customers by last purchase');
    pages.push(page.pageInfo.endCursor);
  }

  return [
    {
      name: 'customer360',
      query: DOCUMENTS('BenchCustomer360'),
      variants: [{ first: 50 }],
      check(data) {
        const nodes: Json[] = data?.customers?.nodes ?? [];
        if (nodes.length !== 50) return `expected 50 customers, got ${nodes.length}`;
        for (const c of nodes) {
          if (!isString(c.id) || !isString(c.name) || !isString(c.stage)) return `customer without id, name or stage: ${JSON.stringify(c)}`;
          const h = c.holdings;
          if (!(h.totalCount >= 1 && h.totalCount <= 5 && h.nodes.length === h.totalCount))
            return `customer ${c.id}: ${h.nodes.length} of ${h.totalCount} holdings (1–5 expected, all of them)`;
          if (h.nodes.some((x: Json) => !isString(x.product?.name) || !isString(x.totalSpend) || !isString(x.since)))
            return `customer ${c.id}: a holding without product name, since or totalSpend`;
          if (!(c.touchpoints.nodes.length <= 5) || c.touchpoints.nodes.some((t: Json) => !isString(t.channel) || !isString(t.occurredAt)))
            return `customer ${c.id}: bad touchpoints`;
          if (typeof c.referralsMade?.totalCount !== 'number') return `customer ${c.id}: no referralsMade.totalCount`;
        }
        if (!nodes.some((c) => c.touchpoints.nodes.length === 5) || !nodes.some((c) => c.persona?.name))
          return 'no customer with 5 touchpoints or a persona: is this the bench data set?';
        return null;
      },
    },
    {
      name: 'customerDeep',
      query: DOCUMENTS('BenchCustomerDeep'),
      variants: sample.map((c) => ({ id: c.id })),
      check(data, variables) {
        const c = data?.customer;
        if (!c || c.id !== variables.id) return `customer ${String(variables.id)} missing`;
        if (
          !(c.purchases.nodes.length >= 1 && c.purchases.nodes.length <= 20) ||
          c.purchases.nodes.some((x: Json) => !isString(x.amount) || !isString(x.product?.name))
        )
          return `customer ${c.id}: bad purchases`;
        const history: Json[] = c.stageHistory.nodes;
        if (history.length < 2 || history[0].from !== null || history[history.length - 1].to !== c.stage)
          return `customer ${c.id}: stage history does not end in the current stage`;
        if (c.touchpoints.nodes.length > 10) return `customer ${c.id}: more than 10 touchpoints`;
        const r = c.churnRisk;
        if (
          !r ||
          typeof r.score !== 'number' ||
          !isString(r.level) ||
          typeof r.accountChurn?.score !== 'number' ||
          !Array.isArray(r.factors)
        )
          return `customer ${c.id}: no churn risk (is the model fitted?)`;
        return null;
      },
    },
    {
      name: 'filteredSearch',
      query: DOCUMENTS('BenchFilteredSearch'),
      variants: [{ stages: STAGES, search: SEARCH }],
      check(data) {
        const conn = data?.customers;
        if (!conn || conn.nodes.length !== 20) return `expected a full page of 20, got ${conn?.nodes.length}`;
        if (!(conn.totalCount >= 20 && conn.totalCount <= 1000))
          return `the search matches ${conn.totalCount} customers; pick a term that matches a few dozen to a few hundred`;
        const wrong = conn.nodes.find((c: Json) => !STAGES.includes(c.stage) || !String(c.name).toLowerCase().includes(SEARCH));
        return wrong ? `customer outside the filter: ${JSON.stringify(wrong)}` : null;
      },
    },
    {
      name: 'lastPurchasePages',
      query: DOCUMENTS('BenchLastPurchasePage'),
      variants: pages.map((after) => ({ after })),
      check(data) {
        const nodes: Json[] = data?.customers?.nodes ?? [];
        if (nodes.length !== 20) return `expected 20 customers, got ${nodes.length}`;
        const times = nodes.map((c) => Date.parse(c.lastPurchaseAt));
        if (times.some((t, i) => Number.isNaN(t) || (i > 0 && t > times[i - 1]))) return 'not in descending order of lastPurchaseAt';
        return null;
      },
    },
    {
      name: 'nodes50',
      query: DOCUMENTS('BenchNodes50'),
      variants: [{ ids: mixed.map((x) => x.id) }],
      check(data) {
        const nodes: Json[] = data?.nodes ?? [];
        if (nodes.length !== 50) return `expected 50 nodes, got ${nodes.length}`;
        const bad = nodes.findIndex((n, i) => !n || n.__typename !== mixed[i].type || n.id !== mixed[i].id);
        return bad >= 0 ? `node ${bad} is ${JSON.stringify(nodes[bad])}, expected a ${mixed[bad].type} ${mixed[bad].id}` : null;
      },
    },
  ];
}

/** Sends every variant once; throws on `errors` or a wrong shape. */
async function verify(api: Client, op: Operation): Promise<void> {
  for (const variables of op.variants) {
    const body = await api.request(op.query, variables);
    if (body.errors?.length)
      throw new Error(`${op.name} answered with errors (variables ${JSON.stringify(variables)}):\n${JSON.stringify(body.errors, null, 2)}`);
    const problem = op.check(body.data, variables);
    if (problem) throw new Error(`${op.name} answered with the wrong shape (variables ${JSON.stringify(variables)}): ${problem}`);
  }
}

// ---------------------------------------------------------------------------------------------
// The load generator (a child process).

class LoadGenerator {
  private readonly child: ChildProcess;
  private next = 1;
  private readonly waiting = new Map<number, { resolve(r: LoadResult): void; reject(e: Error): void }>();

  constructor() {
    this.child = fork(path.join(__dirname, 'read-load.ts'), [], {
      cwd: ROOT,
      execArgv: ['-r', path.join(ROOT, 'scripts', 'register.js')],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child.on('message', (reply: LoadReply) => {
      const w = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      if ('error' in reply) w?.reject(new Error(`load generator: ${reply.error}`));
      else w?.resolve(reply.result);
    });
    this.child.on('exit', (code) => {
      for (const w of this.waiting.values()) w.reject(new Error(`load generator exited (${code})`));
      this.waiting.clear();
    });
  }

  run(run: Omit<LoadRun, 'id'>): Promise<LoadResult> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.child.send({ ...run, id } satisfies LoadRun);
    });
  }

  stop(): void {
    if (this.child.connected) this.child.disconnect();
    if (this.child.exitCode === null) this.child.kill();
  }
}

// ---------------------------------------------------------------------------------------------

interface Row {
  operation: OperationName;
  round: number;
  variants: number;
  durationSeconds: number;
  requests: number;
  sent: number;
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  sqlPerRequest: number;
  infraSqlPerRequest: number;
  nodeCpuMsPerRequest: number;
  errors: number;
  non2xx: number;
  graphqlErrors: number;
  /** pg_stat_statements' statements during the run, per request sent. */
  statements: { perRequest: number; query: string }[];
}

/** Which code is measured: the commit, and whether the server's sources differ from it. */
function codeUnderTest(): { commit: string | null; uncommittedChanges: boolean | null } {
  try {
    const git = (...args: string[]) =>
      execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return {
      commit: git('rev-parse', '--short', 'HEAD'),
      uncommittedChanges: git('status', '--porcelain', '--', 'src', 'migrations') !== '',
    };
  } catch {
    return { commit: null, uncommittedChanges: null };
  }
}

/** Waits until no more statements arrive (at most 5 s). */
async function settle(counter: StatementCounter): Promise<void> {
  let last = -1;
  for (let waited = 0; waited < 5000; waited += 200) {
    await sleep(200);
    const n = await counter.read();
    if (n.operation + n.infra === last) return;
    last = n.operation + n.infra;
  }
}

function table(rows: Row[], rounds: number): string {
  const header = [
    'operation',
    'req/s',
    'p50 ms',
    'p99 ms',
    'SQL/req',
    'infra SQL/req',
    'CPU ms/req',
    'requests',
    'errors',
    'non-2xx',
    'GraphQL errors',
  ];
  const lines: string[][] = [];
  for (const name of OPERATION_NAMES) {
    const mine = rows.filter((r) => r.operation === name);
    if (!mine.length) continue;
    const m = (f: (r: Row) => number) => median(mine.map(f));
    const sum = (f: (r: Row) => number) => mine.reduce((a, r) => a + f(r), 0);
    lines.push([
      name,
      m((r) => r.reqPerSec).toFixed(0),
      m((r) => r.p50Ms).toFixed(0),
      m((r) => r.p99Ms).toFixed(0),
      m((r) => r.sqlPerRequest).toFixed(2),
      m((r) => r.infraSqlPerRequest).toFixed(2),
      m((r) => r.nodeCpuMsPerRequest).toFixed(2),
      String(sum((r) => r.requests)),
      String(sum((r) => r.errors)),
      String(sum((r) => r.non2xx)),
      String(sum((r) => r.graphqlErrors)),
    ]);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  const note = rounds > 1 ? `\nMedians of ${rounds} rounds (requests and errors: totals).` : '';
  return [fmt(header), rule, ...lines.map(fmt)].join('\n') + note;
}

async function main(): Promise<number> {
  const opts = options();
  if (!opts) {
    say(USAGE);
    return 0;
  }
  const startedAt = new Date();
  let server: Server | null = null;
  let counter: StatementCounter | null = null;
  let ds: DataSource | null = null;
  let app: App | null = null;
  let load: LoadGenerator | null = null;
  try {
    server = await startServer();
    const dataset: DatasetInfo = await ensureReadDataset(server.adminUrl, DATABASE, {
      rebuild: opts.rebuild,
      log: createLogger('warn'),
      say,
    });
    const c = dataset.counts;
    say(
      `data set: ${c.persona} personas, ${c.customer} customers, ${c.product} products, ${c.holding} holdings, ${c.purchase} purchases, ` +
        `${c.touchpoint} touchpoints, ${c.referral} referrals, ${c.stage_change} stage changes, ${c.customer_score} churn scores`,
    );
    if (
      c.customer !== SIZES.customers ||
      c.holding !== SIZES.holdings ||
      c.touchpoint !== SIZES.touchpoints ||
      c.referral !== SIZES.referrals
    ) {
      throw new Error(`database ${DATABASE} does not hold the expected data set; run with --rebuild`);
    }

    counter = await statementCounter(dataset.url);
    // As in production (src/main.ts): the default pool. The hook only counts (TypeORM calls it for every statement anyway).
    ds = createDataSource({ url: dataset.url, onQuery: counter.onQuery, applicationName: 'customer-graph-bench-read' });
    await ds.initialize();
    const adminKey = `cg-bench-admin-${randomBytes(18).toString('base64url')}`;
    app = await startApp({
      config: { host: '127.0.0.1', port: 0, rateLimitPerMinute: 1_000_000, anonymousRateLimitPerMinute: 1_000_000, adminApiKey: adminKey },
      ds,
      log: createLogger('warn'),
    });
    const headers = {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      authorization: `Bearer ${adminKey}`,
    };
    const api = client(app.url, headers);

    const pgVersion = String((await ds.query(`${BENCH_TAG} SHOW server_version`))[0].server_version);
    const machine = {
      nproc: cpus().length,
      cpu: cpus()[0]?.model ?? 'unknown',
      node: process.version,
      postgres: pgVersion,
      platform: `${process.platform} ${process.arch}`,
    };
    const code = codeUnderTest();
    say(
      `code: ${code.commit ? `commit ${code.commit}${code.uncommittedChanges ? ' plus uncommitted changes in src/ or migrations/' : ''}` : 'not a git checkout'}`,
    );
    say(`machine: ${machine.nproc} CPUs (${machine.cpu}), Node ${machine.node}, PostgreSQL ${machine.postgres}`);
    say(`statements: ${counter.method}; authentication and rate limiting (${INFRA_TAG}) counted apart as infra`);
    say(
      `load: autocannon in a child process, ${opts.connections} connections, ${opts.warmup} s warm-up + ${opts.duration} s per operation, ${opts.rounds} round(s)\n`,
    );

    const operations = (await buildOperations(api)).filter((o) => opts.only.includes(o.name));
    for (const op of operations) await verify(api, op);

    load = new LoadGenerator();
    const rows: Row[] = [];
    for (let round = 1; round <= opts.rounds; round++) {
      for (const op of operations) {
        const bodies = op.variants.map((variables) => JSON.stringify({ query: op.query, variables }));
        const run = { url: app.url, headers, bodies, connections: opts.connections };
        if (opts.warmup > 0) {
          await load.run({ ...run, durationSeconds: opts.warmup });
          await settle(counter);
        }
        await counter.reset();
        const cpu0 = process.cpuUsage();
        const result = await load.run({ ...run, durationSeconds: opts.duration });
        // Requests still in flight when autocannon stopped finish on the server: wait until the counts settle.
        await settle(counter);
        const cpu = process.cpuUsage(cpu0);
        const counts = await counter.read();
        const sent = Math.max(1, result.sent);
        const row: Row = {
          operation: op.name,
          round,
          variants: op.variants.length,
          durationSeconds: result.durationSeconds,
          requests: result.completed,
          sent: result.sent,
          reqPerSec: result.completed / result.durationSeconds,
          p50Ms: result.latencyMs.p50,
          p99Ms: result.latencyMs.p99,
          meanMs: result.latencyMs.mean,
          sqlPerRequest: counts.operation / sent,
          infraSqlPerRequest: counts.infra / sent,
          nodeCpuMsPerRequest: (cpu.user + cpu.system) / 1000 / sent,
          errors: result.errors + result.timeouts,
          non2xx: result.non2xx,
          graphqlErrors: result.graphqlErrors,
          statements: counts.statements.map((x) => ({ perRequest: Number((x.calls / sent).toFixed(3)), query: x.query })),
        };
        rows.push(row);
        say(
          `${opts.rounds > 1 ? `round ${round} ` : ''}${op.name.padEnd(17)} ${row.reqPerSec.toFixed(0).padStart(6)} req/s  p50 ${row.p50Ms} ms  p99 ${row.p99Ms} ms  ` +
            `${row.sqlPerRequest.toFixed(2)} SQL/req  ${row.nodeCpuMsPerRequest.toFixed(2)} CPU ms/req  (${row.requests} requests)`,
        );
        if (opts.showSql) {
          say('    statements per request (pg_stat_statements: all of them, infra included):');
          for (const x of row.statements) say(`    ${x.perRequest.toFixed(2).padStart(7)} × ${x.query}`);
        }
      }
    }

    say(`\n${table(rows, opts.rounds)}`);
    say(`\nSQL/req: the operation's statements (${counter.method}); infra SQL/req: authentication and rate limiting.`);
    say('CPU ms/req: user + system CPU of this process (the API server) divided by requests sent.');
    const bad = rows.reduce((n, r) => n + r.errors + r.non2xx + r.graphqlErrors, 0);
    if (bad) say(`WARNING: ${bad} failed responses under load; their timings are not the operation's.`);

    // What an operator's Prometheus sees after the run (every request: checks, warm-ups and measured load).
    const metrics = await scrapeMetrics(app.url.replace(/\/graphql$/, '/metrics'));
    say(`\n${describeScrape(metrics).join('\n')}`);

    mkdirSync(RESULTS_DIR, { recursive: true });
    const file = path.join(RESULTS_DIR, `read-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(file.replace(/\.json$/, '.metrics.txt'), metrics.text);
    const report = {
      benchmark: 'bench:read',
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      command: ['npm run bench:read', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' '),
      options: opts,
      machine,
      code,
      database: { embedded: server.embedded !== null, name: DATABASE, statementCounting: counter.method },
      dataset: {
        fingerprint: dataset.fingerprint,
        now: DATASET_NOW.toISOString(),
        buildSeconds: dataset.buildSeconds,
        counts: dataset.counts,
      },
      operations: operations.map((o) => ({ name: o.name, query: o.query, variants: o.variants })),
      results: rows,
      metrics: { operations: metrics.operations, statements: metrics.statements },
    };
    writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
    say(`\nresults: ${path.relative(ROOT, file)} (the /metrics scrape: ${path.relative(ROOT, file.replace(/\.json$/, '.metrics.txt'))})`);
    return 0;
  } finally {
    load?.stop();
    await app?.stop().catch((err: unknown) => console.error('stopping the API failed:', err));
    if (ds?.isInitialized) await ds.destroy();
    await counter?.close().catch(() => undefined);
    await server?.embedded?.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof UsageError) {
      console.error(err.message);
      process.exit(2);
    }
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  },
);
