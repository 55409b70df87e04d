/**
 * Keeps docs/examples/follow-customer-events.ts working: run it as a separate
 * process against a real server, stop it, change things while it is down,
 * start it again, and check it handled every event exactly once, in order.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CreateCustomerDocument, TransitionStageDocument } from '../generated/graphql';
import { startEventsServer, TEST_ADMIN_KEY, waitUntil, type EventsTestServer } from './events-support';

const root = path.resolve(__dirname, '../..');
let s: EventsTestServer;
let dir: string;
const running = new Set<ChildProcess>();

beforeAll(async () => {
  s = await startEventsServer();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cg-example-'));
});
afterAll(async () => {
  for (const child of running) child.kill('SIGKILL');
  await s?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

interface Run {
  lines: { cursor: string; type: string; customer: { id: string }; to?: string }[];
  stderr: () => string;
  exited: Promise<number | null>;
  stop(signal: NodeJS.Signals): Promise<number | null>;
}

function runExample(cursorFile: string): Run {
  const child = spawn(process.execPath, ['-r', './scripts/register.js', 'docs/examples/follow-customer-events.ts'], {
    cwd: root,
    env: { ...process.env, CG_URL: s.wsUrl, CG_API_KEY: TEST_ADMIN_KEY, CURSOR_FILE: cursorFile },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const lines: Run['lines'] = [];
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => {
    out += c.toString();
    const parts = out.split('\n');
    out = parts.pop()!;
    for (const p of parts) if (p.trim()) lines.push(JSON.parse(p));
  });
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => (running.delete(child), resolve(code))));
  return {
    lines,
    stderr: () => err,
    exited,
    async stop(signal) {
      child.kill(signal);
      return exited;
    },
  };
}

it('follows the feed, and after a restart resumes exactly where it stopped', async () => {
  const cursorFile = path.join(dir, 'events.cursor');
  const create = async (name: string) => (await s.query(CreateCustomerDocument, { input: { name } })).createCustomer.customer;

  const first = runExample(cursorFile);
  await waitUntil(() => first.stderr().includes('following from'), 'the example to start following');
  const a = await create('Example A');
  await s.query(TransitionStageDocument, { input: { customerId: a.id, to: 'ACQUIRED' } });
  await waitUntil(() => first.lines.length === 2, 'two events handled');
  await waitUntil(() => fs.readFileSync(cursorFile, 'utf8') === first.lines[1].cursor, 'the cursor to be saved');
  // Killed outright: no chance to tidy up.
  await first.stop('SIGKILL');

  // Changes while the client is down.
  const b = await create('Example B');
  await s.query(TransitionStageDocument, { input: { customerId: b.id, to: 'ACQUIRED' } });

  const second = runExample(cursorFile);
  await waitUntil(() => second.lines.length === 2, 'the missed events to be replayed');
  const c = await create('Example C');
  await waitUntil(() => second.lines.length === 3, 'a live event after the replay');
  expect(await second.stop('SIGTERM')).toBe(0);

  const handled = [...first.lines, ...second.lines].map((e) => `${e.type} ${e.customer.id}${e.to ? ` ${e.to}` : ''}`);
  expect(handled).toEqual([
    `CUSTOMER_CREATED ${a.id}`,
    `STAGE_CHANGED ${a.id} ACQUIRED`,
    `CUSTOMER_CREATED ${b.id}`,
    `STAGE_CHANGED ${b.id} ACQUIRED`,
    `CUSTOMER_CREATED ${c.id}`,
  ]);
  expect(fs.readFileSync(cursorFile, 'utf8')).toBe(second.lines[2].cursor);
});

it('stops with exit code 2 and a clear message on RESYNC_REQUIRED', async () => {
  const cursorFile = path.join(dir, 'stale.cursor');
  const stale =
    (await s.query(CreateCustomerDocument, { input: { name: 'Before pruning' } })) && (await s.app.services.events.latestCursor());
  await s.query(CreateCustomerDocument, { input: { name: 'Pruned away' } });
  await s.ds.query(`UPDATE customer_event SET recorded_at = now() - interval '30 days'`);
  await s.app.services.events.prune();
  fs.writeFileSync(cursorFile, stale);
  const run = runExample(cursorFile);
  expect(await run.exited).toBe(2);
  expect(run.stderr()).toContain('RESYNC_REQUIRED');
  expect(run.lines).toEqual([]);
});
