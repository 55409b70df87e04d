/**
 * Bulk import over real HTTP and PostgreSQL (docs/import.md): the samples in docs/examples,
 * idempotent re-runs, bad rows reported by line with nothing written under maxErrors 0, roles,
 * the CLI against the same database, the events a subscriber sees, and the CDNOW log imported
 * then fitted to the published BG/NBD parameters.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { startTestServer, type TestServer } from '../support/server';

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
      expect(report.inserted).toBe(report.rows);
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
