/**
 * Signals reach the server whoever gets them: `npm start` is stopped with
 * SIGTERM sent to npm (what a container runtime does to its main process),
 * and a shell wrapper that does not pass signals on is killed outright. Both
 * times the server must drain and stop its embedded PostgreSQL: node and
 * PostgreSQL gone and the port free within 10 s, none left running as orphans.
 *
 * Real processes on a temporary DATA_DIR (a fresh embedded cluster each), no
 * demo data, so each case takes a few seconds.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from '../../src/db/embedded-postgres';

const ROOT = path.join(__dirname, '..', '..');
const STARTUP_TIMEOUT_MS = 60_000;
/** How long everything may take to be gone after the signal. */
const STOP_DEADLINE_MS = 10_000;
/** Temporary data directories made by `start`, removed after each test. */
const tempDirs: string[] = [];

interface Started {
  wrapper: ChildProcess;
  port: number;
  dataDir: string;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** A process that exists and is not a zombie waiting to be reaped. */
function isRunning(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

function childrenOf(pid: number): number[] {
  try {
    return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}

/** Spawns `command args` with a free PORT and a fresh DATA_DIR; resolves once /readyz answers 200. */
async function start(command: string, args: string[]): Promise<Started> {
  const port = await freePort();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cg-signals-'));
  // As root the embedded PostgreSQL runs as the postgres user, which must reach the directory.
  fs.chmodSync(tmp, 0o755);
  tempDirs.push(tmp);
  const dataDir = path.join(tmp, 'data');
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, DEMO_CUSTOMERS: '0' };
  delete env.DATABASE_URL;
  delete env.ADMIN_API_KEY;
  const wrapper = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  wrapper.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  wrapper.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    wrapper.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const ready = await waitFor(async () => {
    if (wrapper.exitCode !== null) return true;
    try {
      return (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200;
    } catch {
      return false;
    }
  }, STARTUP_TIMEOUT_MS);
  if (!ready || wrapper.exitCode !== null) {
    // Whatever did start stops with it (npm passes SIGTERM on; a lone node notices its parent go).
    wrapper.kill('SIGTERM');
    throw new Error(`${command} did not become ready:\n${out}`);
  }
  return { wrapper, port, dataDir, output: () => out, exited };
}

/** The node process serving under `wrapper` (its child, or a child's child through a shell). */
function serverPid(wrapper: ChildProcess): number {
  const queue = [wrapper.pid!];
  while (queue.length) {
    const pid = queue.shift()!;
    const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (pid !== wrapper.pid && cmd.includes('src/main.ts')) return pid;
    queue.push(...childrenOf(pid));
  }
  throw new Error('no node process found under the wrapper');
}

function postmasterPid(dataDir: string): number {
  return Number(fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
}

/** Last resort so a failing test leaves nothing running: SIGKILL whatever of ours is still there. */
function killLeftovers(pids: number[]): void {
  for (const pid of pids) if (isRunning(pid)) process.kill(pid, 'SIGKILL');
}

describe('signals stop the server and its embedded PostgreSQL, whoever receives them', () => {
  let leftovers: number[] = [];
  afterEach(() => {
    killLeftovers(leftovers);
    leftovers = [];
    for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  });

  it(
    'SIGTERM to `npm start` drains node and stops PostgreSQL within 10 s; npm exits 0',
    async () => {
      const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
      const s = await start(npm, ['start']);
      const node = serverPid(s.wrapper);
      const postgres = postmasterPid(s.dataDir);
      leftovers = [s.wrapper.pid!, node, postgres];
      expect([isRunning(node), isRunning(postgres)]).toEqual([true, true]);

      s.wrapper.kill('SIGTERM');
      const gone = await waitFor(async () => !isRunning(node) && !isRunning(postgres) && (await portIsFree(s.port)), STOP_DEADLINE_MS);
      expect({ gone, node: isRunning(node), postgres: isRunning(postgres) }).toEqual({ gone: true, node: false, postgres: false });
      // npm passed the signal on and reports the server's clean exit, not its own death by SIGTERM (143).
      expect(await s.exited).toEqual({ code: 0, signal: null });
      expect(s.output()).toContain('"msg":"stopped"');
    },
    STARTUP_TIMEOUT_MS + STOP_DEADLINE_MS + 5_000,
  );

  it(
    'a wrapper shell killed by SIGTERM without passing it on: node notices and stops PostgreSQL within 10 s',
    async () => {
      // `sh -c 'cmd; …'` cannot exec its command, so it stays in between and dies of the signal alone.
      const s = await start('sh', ['-c', `"${process.execPath}" -r ./scripts/register.js src/main.ts; exit $?`]);
      const node = serverPid(s.wrapper);
      const postgres = postmasterPid(s.dataDir);
      leftovers = [node, postgres];

      s.wrapper.kill('SIGTERM');
      expect(await s.exited).toEqual({ code: null, signal: 'SIGTERM' });
      const gone = await waitFor(async () => !isRunning(node) && !isRunning(postgres) && (await portIsFree(s.port)), STOP_DEADLINE_MS);
      expect({ gone, node: isRunning(node), postgres: isRunning(postgres) }).toEqual({ gone: true, node: false, postgres: false });
    },
    STARTUP_TIMEOUT_MS + STOP_DEADLINE_MS + 5_000,
  );
});
