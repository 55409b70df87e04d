/**
 * Bulk import over real HTTP and PostgreSQL (docs/import.md): the samples in docs/examples,
 * idempotent re-runs, bad rows reported by line with nothing written under maxErrors 0, roles,
 * the CLI against the same database, the events a subscriber sees, and the CDNOW log imported
 * then fitted to the published BG/NBD parameters.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'graphql';
import { startTestServer, type TestServer } from '../support/server';
import { FitChurnModelDocument } from '../generated/graphql';
import { encodeEventCursor } from '../../src/modules/events/event-cursor';
import { subscribe } from './events-support';
import { until } from '../support/faults';

jest.setTimeout(120_000);

const ROOT = path.resolve(__dirname, '../..');
const EXAMPLES = path.join(ROOT, 'docs/examples');
const example = (file: string) => readFileSync(path.join(EXAMPLES, file), 'utf8');
// After the samples' dates, before CDNOW's calibration end would be "in the future": the CDNOW block runs on its own server.
const CLOCK = { now: () => new Date('2025-06-01T00:00:00Z') };

let server: TestServer;

interface Report {
  kind: string;
  committed: boolean;
  rows: number;
  inserted: number;
  updated: number;
  skipped: number;
  errorRows: number;
  errors: { line: number; column: string | null; reason: string }[];
  stageChanges: number;
  customersCreated: number;
}

async function importBody(
  kind: string,
  body: string,
  opts: { contentType?: string; query?: string; key?: string | null } = {},
): Promise<{ status: number; report: Report & { errors: Report['errors'] } & Record<string, unknown> }> {
  const url = new URL(`/import/${kind}${opts.query ? `?${opts.query}` : ''}`, server.app.url);
  const headers: Record<string, string> = { 'content-type': opts.contentType ?? 'text/csv' };
  const key = opts.key === undefined ? server.adminKey : opts.key;
  if (key) headers.authorization = `Bearer ${key}`;
  const res = await fetch(url, { method: 'POST', headers, body });
  return { status: res.status, report: (await res.json()) as never };
}

const counts = async () =>
  (
    await server.ds.query(
      `SELECT (SELECT count(*) FROM customer)::int AS customers, (SELECT count(*) FROM purchase)::int AS purchases,
              (SELECT count(*) FROM touchpoint)::int AS touchpoints, (SELECT count(*) FROM referral)::int AS referrals,
              (SELECT count(*) FROM stage_change)::int AS stage_changes, (SELECT count(*) FROM customer_event)::int AS events`,
    )
  )[0] as Record<string, number>;

beforeAll(async () => {
  server = await startTestServer({ clock: CLOCK });
  // The customers the files below refer to (importing them again later changes nothing).
  expect((await importBody('customers', example('import-customers.csv'))).report.committed).toBe(true);
});
afterAll(async () => {
  await server?.stop();
});

describe('the samples in docs/examples', () => {
  it('import, each kind, and a second run adds nothing', async () => {
    const files: [string, string, string][] = [
      ['customers', 'import-customers.csv', 'text/csv'],
      ['purchases', 'import-purchases.csv', 'text/csv'],
      ['touchpoints', 'import-touchpoints.ndjson', 'application/x-ndjson'],
      ['referrals', 'import-referrals.csv', 'text/csv'],
    ];
    for (const [kind, file, contentType] of files) {
      const { status, report } = await importBody(kind, example(file), { contentType });
      expect({ kind, status, committed: report.committed, errors: report.errors }).toEqual({
        kind,
        status: 200,
        committed: true,
        errors: [],
      });
      // The customers sample went in once already (beforeAll).
      expect(kind === 'customers' ? report.skipped : report.inserted).toBe(report.rows);
    }
    const [ann] = await server.ds.query(`SELECT name, email, stage FROM customer WHERE external_id = 'crm-1001'`);
    // A first purchase moved Ann from IDENTIFIED to CONVERTED.
    expect(ann).toEqual({ name: 'Ann Lee', email: 'ann.lee@example.com', stage: 'CONVERTED' });
    const [carla] = await server.ds.query(`SELECT name FROM customer WHERE external_id = 'crm-1003'`);
    expect(carla.name).toBe('Carla Díaz, PhD');

    const before = await counts();
    for (const [kind, file, contentType] of files) {
      const { status, report } = await importBody(kind, example(file), { contentType });
      expect({ kind, status, inserted: report.inserted, updated: report.updated, skipped: report.skipped }).toEqual({
        kind,
        status: 200,
        inserted: 0,
        updated: 0,
        skipped: report.rows,
      });
    }
    const after = await counts();
    // Only the four IMPORT_COMPLETED events are new.
    expect(after).toEqual({ ...before, events: before.events + 4 });
  });
});

const BAD_PURCHASES = `customerExternalId,occurredAt,amount,quantity,productSku,sourceId
crm-1002,2025-05-01,10.00,1,,bad-1
crm-9999,2025-05-01,10.00,1,,bad-2
crm-1002,yesterday,10.00,1,,bad-3
crm-1002,2025-05-01,-5.00,1,,bad-4
crm-1002,2025-05-01,10.00,1,,bad-1
crm-1002,2025-05-01,10.00,0,NO-SUCH-SKU,bad-6
`;

const BAD_PURCHASE_ERRORS = [
  { line: 3, column: 'customerExternalId', reason: 'unknown customer: "crm-9999"' },
  { line: 4, column: 'occurredAt', reason: 'unparsable date: "yesterday"' },
  { line: 5, column: 'amount', reason: 'negative amount: "-5.00"' },
  { line: 6, column: 'sourceId', reason: 'duplicate in file: same sourceId as line 2' },
  { line: 7, column: 'productSku', reason: 'unknown product SKU: "NO-SUCH-SKU"' },
  { line: 7, column: 'quantity', reason: 'not a whole number of at least 1: "0"' },
];

describe('bad rows', () => {
  it('with maxErrors 0 (the default): a report naming each line, and nothing written', async () => {
    const before = await counts();
    const { status, report } = await importBody('purchases', BAD_PURCHASES);
    expect(status).toBe(422);
    expect(report).toMatchObject({ committed: false, rows: 6, errorRows: 5, inserted: 0, maxErrors: 0 });
    expect(report.errors).toEqual(BAD_PURCHASE_ERRORS);
    expect(await counts()).toEqual(before);
  });

  it('within maxErrors: the good rows commit and the report lists the bad ones', async () => {
    const before = await counts();
    const { status, report } = await importBody('purchases', BAD_PURCHASES, { query: 'maxErrors=5' });
    expect(report.errors).toEqual(BAD_PURCHASE_ERRORS);
    expect(status).toBe(200);
    expect(report).toMatchObject({ committed: true, rows: 6, errorRows: 5, inserted: 1, skipped: 0 });
    expect(report.errors).toEqual(BAD_PURCHASE_ERRORS);
    const after = await counts();
    expect(after.purchases).toBe(before.purchases + 1);
    expect(await server.ds.query(`SELECT amount::text FROM purchase WHERE source_id = 'bad-1'`)).toEqual([{ amount: '10.00' }]);
  });

  it('values that do not parse are named along with the other errors, whichever check finds them', async () => {
    // The checks first try casts alone and fall back to naming each unparsable value (ImportService.checkValues).
    const csv = [
      'customerExternalId,occurredAt,amount,quantity,sourceId',
      'crm-1002,2025-02-30,10.00,1,cast-1',
      'crm-1002,2025-05-01,1e20,1,cast-2',
      'crm-1002,2025-05-01,10.00,two,cast-3',
      'crm-1002,2025-05-01,-0.001,1,cast-4',
      'crm-9999,2025-05-01,10.00,1,cast-5',
      'crm-1002,2025-05-01,10.00,1,cast-6',
    ].join('\n');
    const before = await counts();
    const { report } = await importBody('purchases', csv);
    expect(report).toMatchObject({ committed: false, rows: 6, errorRows: 5 });
    expect(report.errors).toEqual([
      { line: 2, column: 'occurredAt', reason: 'unparsable date: "2025-02-30"' },
      { line: 3, column: 'amount', reason: 'not an amount: "1e20"' },
      { line: 4, column: 'quantity', reason: 'not a whole number of at least 1: "two"' },
      { line: 5, column: 'amount', reason: 'negative amount: "-0.001"' },
      { line: 6, column: 'customerExternalId', reason: 'unknown customer: "crm-9999"' },
    ]);
    // Without unparsable values (the casts alone): the same reasons for the rest.
    const { report: rest } = await importBody('purchases', [csv.split('\n')[0], ...csv.split('\n').slice(4)].join('\n'));
    expect(rest.errors).toEqual([
      { line: 2, column: 'amount', reason: 'negative amount: "-0.001"' },
      { line: 3, column: 'customerExternalId', reason: 'unknown customer: "crm-9999"' },
    ]);
    expect(await counts()).toEqual(before);
  });

  it('createCustomers: a customer only for an unknown id with a good row, its last purchase already set', async () => {
    const csv = [
      'customerExternalId,occurredAt,amount,sourceId',
      'new-1,2025-01-02,5.00,cc-1',
      'new-1,2025-02-03,7.00,cc-2',
      'new-2,2025-01-05,not-money,cc-3',
    ].join('\n');
    const { report } = await importBody('purchases', csv, { query: 'createCustomers=true&maxErrors=1' });
    expect(report).toMatchObject({ committed: true, errorRows: 1, inserted: 2, customersCreated: 1 });
    expect(report.errors).toEqual([{ line: 4, column: 'amount', reason: 'not an amount: "not-money"' }]);
    expect(
      await server.ds.query(
        `SELECT external_id, last_purchase_at::date::text AS last FROM customer WHERE external_id IN ('new-1', 'new-2')`,
      ),
    ).toEqual([{ external_id: 'new-1', last: '2025-02-03' }]);
    // Created already CONVERTED (one row write), its history and event telling both steps.
    expect(report.stageChanges).toBe(1);
    expect(await server.ds.query(`SELECT stage FROM customer WHERE external_id = 'new-1'`)).toEqual([{ stage: 'CONVERTED' }]);
    expect(
      await server.ds.query(
        `SELECT s.from_stage, s.to_stage, s.reason, s.trigger FROM stage_change s JOIN customer c ON c.id = s.customer_id
         WHERE c.external_id = 'new-1' ORDER BY s.id`,
      ),
    ).toEqual([
      { from_stage: null, to_stage: 'IDENTIFIED', reason: 'Imported.', trigger: 'MANUAL' },
      { from_stage: 'IDENTIFIED', to_stage: 'CONVERTED', reason: 'First purchase recorded.', trigger: 'FIRST_PURCHASE' },
    ]);
    expect(
      await server.ds.query(
        `SELECT e.payload->>'from' AS "from", e.payload->>'to' AS "to", e.payload->>'trigger' AS trigger,
                e.payload->>'stageChangeId' = (SELECT max(s.id)::text FROM stage_change s WHERE s.customer_id = c.id) AS same_change
         FROM customer_event e JOIN customer c ON c.id = e.customer_id WHERE c.external_id = 'new-1' AND e.type = 'STAGE_CHANGED'`,
      ),
    ).toEqual([{ from: 'IDENTIFIED', to: 'CONVERTED', trigger: 'FIRST_PURCHASE', same_change: true }]);
  });

  it('customers: bad email, unknown enum value, missing value, duplicate in file', async () => {
    const before = await counts();
    const csv = [
      'externalId,name,email,stage',
      'crm-2001,Eve Good,eve@example.com,',
      'crm-2002,Frank Bad,frank-at-example.com,',
      'crm-2003,Gina,gina@example.com,SLEEPING',
      'crm-2004,,h@example.com,',
      'crm-2001,Eve Again,eve2@example.com,',
      '"crm-2006",Ivan,"ivan@example.com"',
    ].join('\n');
    const { report } = await importBody('customers', csv);
    expect(report.committed).toBe(false);
    expect(report.errors).toEqual([
      { line: 3, column: 'email', reason: 'not an email address: "frank-at-example.com"' },
      {
        line: 4,
        column: 'stage',
        reason:
          'unknown value "SLEEPING" (expected one of IDENTIFIED, ACQUIRED, CONVERTED, ONBOARDED, EXPANDING, RETAINED, AT_RISK, DORMANT, CHURNED, REACTIVATED, ADVOCATE)',
      },
      { line: 5, column: 'name', reason: 'missing required value' },
      { line: 6, column: 'externalId', reason: 'duplicate in file: same externalId as line 2' },
      { line: 7, column: null, reason: 'has 3 fields where the header has 4' },
    ]);
    expect(await counts()).toEqual(before);
  });

  it('a missing required column refuses the file, naming the column', async () => {
    const { status, report } = await importBody('purchases', 'customerExternalId,amount\ncrm-1001,5.00\n');
    expect(status).toBe(422);
    expect(report).toMatchObject({
      committed: false,
      rows: 1,
      errors: [{ line: 1, column: 'occurredAt', reason: 'missing required column' }],
    });
  });

  it('NDJSON: an unparsable line is reported by its line number', async () => {
    const body = '{"customerExternalId":"crm-1001","channel":"SMS","direction":"OUTBOUND","occurredAt":"2025-05-02"}\n{oops\n';
    const { report } = await importBody('touchpoints', body, { contentType: 'application/x-ndjson' });
    expect(report).toMatchObject({ committed: false, rows: 2, errors: [{ line: 2, column: null, reason: 'not valid JSON' }] });
  });
});

describe('concurrent imports', () => {
  it('a sourceId another transaction stores while the import runs is skipped, never inserted twice', async () => {
    // The import skips stored sourceIds by an anti-join; one committed after its snapshot fails its
    // plain insert on the unique index, and the statement runs again with ON CONFLICT DO NOTHING.
    const other = server.ds.createQueryRunner();
    await other.connect();
    let pending: ReturnType<typeof importBody>;
    try {
      await other.startTransaction();
      await other.query(
        `INSERT INTO purchase (customer_id, occurred_at, quantity, amount, source_id)
         SELECT id, '2025-05-01', 1, 3.00, 'race-1' FROM customer WHERE external_id = 'crm-1002'`,
      );
      pending = importBody(
        'purchases',
        ['customerExternalId,occurredAt,amount,sourceId', 'crm-1002,2025-05-02,4.00,race-1', 'crm-1002,2025-05-03,5.00,race-2'].join('\n'),
      );
      // The import's insert waits for this transaction (the unique index check on race-1).
      await until(
        async () =>
          (await server.ds.query(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'transactionid' AND NOT granted`))[0].n > 0,
        "the import's insert to wait for the other transaction",
      );
    } finally {
      await other.commitTransaction();
      await other.release();
    }
    const { status, report } = await pending;
    expect(status).toBe(200);
    expect(report).toMatchObject({ committed: true, rows: 2, inserted: 1, skipped: 1 });
    expect(
      await server.ds.query(`SELECT source_id, amount::text FROM purchase WHERE source_id IN ('race-1', 'race-2') ORDER BY source_id`),
    ).toEqual([
      { source_id: 'race-1', amount: '3.00' },
      { source_id: 'race-2', amount: '5.00' },
    ]);
  });
});

describe('last purchase', () => {
  it('first buyers (moved by the import) and earlier buyers (not moved) both get the latest purchase; a back-dated one changes nothing', async () => {
    await importBody('customers', ['externalId,name', 'lp-new,Lena New', 'lp-old,Otto Old'].join('\n'));
    await importBody('purchases', ['customerExternalId,occurredAt,amount,sourceId', 'lp-old,2025-03-01,5.00,lp-1'].join('\n'));
    const { report } = await importBody(
      'purchases',
      [
        'customerExternalId,occurredAt,amount,sourceId',
        'lp-new,2025-04-01,5.00,lp-2',
        'lp-new,2025-05-06,5.00,lp-3',
        'lp-old,2025-06-07,5.00,lp-4',
        'lp-old,2025-01-01,5.00,lp-5',
      ].join('\n'),
    );
    expect(report).toMatchObject({ committed: true, inserted: 4, stageChanges: 1 });
    const rows = await server.ds.query(
      `SELECT external_id, stage, last_purchase_at::date::text AS last FROM customer WHERE external_id LIKE 'lp-%' ORDER BY external_id`,
    );
    expect(rows).toEqual([
      { external_id: 'lp-new', stage: 'CONVERTED', last: '2025-05-06' },
      { external_id: 'lp-old', stage: 'CONVERTED', last: '2025-06-07' },
    ]);
    await importBody('purchases', ['customerExternalId,occurredAt,amount,sourceId', 'lp-new,2024-01-01,5.00,lp-6'].join('\n'));
    expect((await server.ds.query(`SELECT last_purchase_at::date::text AS last FROM customer WHERE external_id = 'lp-new'`))[0].last).toBe(
      '2025-05-06',
    );
  });
});

describe('who may import', () => {
  it('ADMIN and SERVICE keys; not ANALYST or PARTNER, not without a key', async () => {
    const body = 'externalId,name\ncrm-3001,Role Test\n';
    const service = await server.createKey({ role: 'SERVICE' });
    const analyst = await server.createKey({ role: 'ANALYST' });
    const partner = await server.createKey({ role: 'PARTNER' });
    expect((await importBody('customers', body, { key: null })).status).toBe(401);
    expect((await importBody('customers', body, { key: 'cg_not-a-real-key' })).status).toBe(401);
    expect((await importBody('customers', body, { key: analyst })).status).toBe(403);
    expect((await importBody('customers', body, { key: partner })).status).toBe(403);
    const ok = await importBody('customers', body, { key: service });
    expect(ok).toMatchObject({ status: 200, report: { committed: true, inserted: 1 } });
    expect((await importBody('nothing', body)).status).toBe(404);
    expect((await importBody('customers', body, { contentType: 'application/json' })).status).toBe(415);
  });
});

describe('the CLI', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cg-import-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['-r', './scripts/register.js', 'src/cli/import.ts', ...args], {
        cwd: ROOT,
        env: { ...process.env, DATABASE_URL: server.db.url, LOG_LEVEL: 'warn' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  }

  it('imports a file, re-imports it as a no-op, and refuses bad rows with exit code 1', async () => {
    const file = path.join(dir, 'customers.csv');
    writeFileSync(file, 'externalId,name,email\ncli-1,Cli One,one@example.com\ncli-2,Cli Two,\n');
    const first = await cli(['customers', file, '--json']);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ committed: true, inserted: 2 });
    // Not a terminal: plain progress lines, no bar.
    expect(first.stderr).toContain('import customers: 2 rows read');
    const again = await cli(['customers', file, '--json']);
    expect(JSON.parse(again.stdout)).toMatchObject({ committed: true, inserted: 0, updated: 0, skipped: 2 });

    const bad = path.join(dir, 'bad.csv');
    writeFileSync(bad, BAD_PURCHASES);
    const refused = await cli(['purchases', bad]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('NOT committed');
    expect(refused.stdout).toContain('line 3, customerExternalId: unknown customer: "crm-9999"');
    expect((await cli(['nonsense', bad])).code).toBe(2);
  });
});

describe('what subscribers see', () => {
  it('one IMPORT_COMPLETED with the counts, plus the stage changes the import caused', async () => {
    await importBody('customers', 'externalId,name\nsub-1,Sub One\nsub-2,Sub Two\nsub-3,Sub Three\n');
    const [{ seq }] = await server.ds.query(`SELECT seq::int FROM event_counter`);
    // Resuming after the current head replays everything later, however soon the import runs.
    const after = encodeEventCursor(seq);
    const doc = parse(`subscription ($filter: CustomerEventFilter, $after: String) {
      customerEvents(filter: $filter, after: $after) {
        type
        customer { externalId stage }
        ... on StageChangedEvent { from to trigger }
        ... on ImportCompletedEvent { kind rows inserted updated skipped errors stageChanges }
      }
    }`);
    type Item = { customerEvents: Record<string, unknown> & { type: string } };
    const all = subscribe<Item, object>(server.wsUrl, doc, { after }, { connectionParams: { authorization: `Bearer ${server.adminKey}` } });
    const onlyOne = subscribe<Item, object>(
      server.wsUrl,
      doc,
      { after, filter: { types: ['IMPORT_COMPLETED'] } },
      { connectionParams: { authorization: `Bearer ${server.adminKey}` } },
    );
    try {
      const csv =
        'customerExternalId,occurredAt,amount,sourceId\nsub-1,2025-05-10,5.00,s-1\nsub-1,2025-05-11,6.00,s-2\nsub-2,2025-05-12,7.00,s-3\n';
      const { report } = await importBody('purchases', csv);
      expect(report).toMatchObject({ committed: true, inserted: 3, stageChanges: 2 });
      const items = (await all.waitFor(3)).map((d) => d.customerEvents);
      expect(items).toEqual([
        {
          type: 'STAGE_CHANGED',
          customer: { externalId: 'sub-1', stage: 'CONVERTED' },
          from: 'IDENTIFIED',
          to: 'CONVERTED',
          trigger: 'FIRST_PURCHASE',
        },
        {
          type: 'STAGE_CHANGED',
          customer: { externalId: 'sub-2', stage: 'CONVERTED' },
          from: 'IDENTIFIED',
          to: 'CONVERTED',
          trigger: 'FIRST_PURCHASE',
        },
        {
          type: 'IMPORT_COMPLETED',
          customer: null,
          kind: 'purchases',
          rows: 3,
          inserted: 3,
          updated: 0,
          skipped: 0,
          errors: 0,
          stageChanges: 2,
        },
      ]);
      expect((await onlyOne.waitFor(1)).map((d) => d.customerEvents.type)).toEqual(['IMPORT_COMPLETED']);
      // No PURCHASE_RECORDED per row.
      expect(all.items).toHaveLength(3);
    } finally {
      await all.dispose();
      await onlyOne.dispose();
    }
  });
});

describe('CDNOW: import the purchase log, then fit', () => {
  let cdnow: TestServer;
  const CDNOW_CLOCK = { now: () => new Date('1998-07-01T00:00:00Z') };
  beforeAll(async () => {
    cdnow = await startTestServer({ clock: CDNOW_CLOCK });
  });
  afterAll(async () => {
    await cdnow?.stop();
  });

  it('format=cdnow imports the 6,919 rows of 2,357 customers, and the fit gives the published BG/NBD parameters within 1 %', async () => {
    const elog = readFileSync(path.join(ROOT, 'test/fixtures/cdnow/cdnow_elog.csv'));
    const res = await fetch(new URL('/import/purchases?format=cdnow', cdnow.app.url), {
      method: 'POST',
      headers: { 'content-type': 'text/csv', authorization: `Bearer ${cdnow.adminKey}` },
      body: elog,
    });
    const report = (await res.json()) as Report;
    expect(report).toMatchObject({ committed: true, rows: 6919, inserted: 6919, errorRows: 0, customersCreated: 2357, stageChanges: 2357 });
    expect(await cdnow.ds.query(`SELECT count(*)::int AS rows, count(DISTINCT customer_id)::int AS customers FROM purchase`)).toEqual([
      { rows: 6919, customers: 2357 },
    ]);

    const { fitChurnModel } = await cdnow.query(FitChurnModelDocument, {
      input: { calibrationEnd: '1997-09-30T00:00:00Z', timeUnit: 'WEEKS' },
    });
    const { r, alpha, a, b } = fitChurnModel.model.bgNbd;
    // Fader, Hardie & Lee (2005): r = 0.243, α = 4.414, a = 0.793, b = 2.426.
    const within1Percent = (actual: number, published: number) => expect(Math.abs(actual / published - 1)).toBeLessThan(0.01);
    within1Percent(r, 0.243);
    within1Percent(alpha, 4.414);
    within1Percent(a, 0.793);
    within1Percent(b, 2.426);
    expect(fitChurnModel.scoredCustomers).toBe(2357);

    // Re-importing the file adds nothing (its rows carry derived source ids).
    const again = await fetch(new URL('/import/purchases?format=cdnow', cdnow.app.url), {
      method: 'POST',
      headers: { 'content-type': 'text/csv', authorization: `Bearer ${cdnow.adminKey}` },
      body: elog,
    });
    expect(await again.json()).toMatchObject({ committed: true, inserted: 0, skipped: 6919, customersCreated: 0 });
  });

  it('a purchase import re-scores the customers it touched', async () => {
    const scoredAt = async () =>
      (
        await cdnow.ds.query(
          `SELECT s.scored_at, s.purchase_days FROM customer_score s JOIN customer c ON c.id = s.customer_id JOIN churn_model m ON m.id = s.model_id
           WHERE m.is_current AND c.external_id = '1'`,
        )
      )[0] as { scored_at: Date; purchase_days: number };
    const before = await scoredAt();
    const { report } = await (async () => {
      const res = await fetch(new URL('/import/purchases', cdnow.app.url), {
        method: 'POST',
        headers: { 'content-type': 'text/csv', authorization: `Bearer ${cdnow.adminKey}` },
        body: 'customerExternalId,occurredAt,amount,sourceId\n1,1998-06-30T10:00:00Z,12.00,late-1\n',
      });
      return { report: (await res.json()) as Report };
    })();
    expect(report).toMatchObject({ committed: true, inserted: 1 });
    await cdnow.app.services.analytics.models.idle();
    const after = await scoredAt();
    expect(after.purchase_days).toBe(before.purchase_days + 1);
  });
});
