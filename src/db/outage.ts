/**
 * Knows whether the database is reachable, so an outage is one event rather
 * than a failure per request.
 *
 * Whoever meets a connection error (see `isConnectionError`) reports it with
 * `failed`. The first report of an outage logs one line and starts probing
 * the database (`SELECT 1`) every `probeEveryMs`; the first probe that
 * answers ends the outage with one line giving its duration and how many
 * failures were reported meanwhile, and tells the `onRecovered` listeners
 * (e.g. subscription slots re-sync what changed while the database was away).
 * Requests that fail during an outage are answered SERVICE_UNAVAILABLE with
 * `Retry-After: retryAfterSeconds` and log nothing of their own.
 */
import type { Logger } from '../shared/logger';

export const DEFAULT_RETRY_AFTER_SECONDS = 2;

export interface DatabaseOutageOptions {
  /** How often the database is probed during an outage (ms, default 500). */
  probeEveryMs?: number;
  /** What `Retry-After` tells clients during an outage (s, default 2). */
  retryAfterSeconds?: number;
  now?: () => number;
}

export interface OutageRecord {
  startedAt: number;
  endedAt: number;
  durationMs: number;
  failures: number;
}

export class DatabaseOutage {
  readonly retryAfterSeconds: number;
  private since: number | null = null;
  private failures = 0;
  private probeTimer: NodeJS.Timeout | undefined;
  private probing = false;
  private stopped = false;
  private readonly listeners = new Set<() => void>();
  private readonly probeEveryMs: number;
  private readonly now: () => number;
  /** Outages that ended, newest last (the last 20), for tests and metrics. */
  readonly history: OutageRecord[] = [];

  constructor(
    private readonly probe: () => Promise<unknown>,
    private readonly log: Logger,
    opts: DatabaseOutageOptions = {},
  ) {
    this.probeEveryMs = opts.probeEveryMs ?? 500;
    this.retryAfterSeconds = opts.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS;
    this.now = opts.now ?? Date.now;
  }

  /** True from the first reported connection error until a probe answers. */
  get down(): boolean {
    return this.since !== null;
  }

  /** Reports a connection error. Logs only the first of an outage. */
  failed(err: unknown): void {
    if (this.stopped) return;
    this.failures++;
    if (this.since !== null) return;
    this.since = this.now();
    this.failures = 1;
    this.log.error('database unreachable: answering SERVICE_UNAVAILABLE until it is back', { error: describe(err) });
    this.probeTimer = setInterval(() => void this.check(), this.probeEveryMs);
    this.probeTimer.unref();
  }

  /** Calls `listener` each time an outage ends. Returns an unsubscribe function. */
  onRecovered(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  stop(): void {
    this.stopped = true;
    if (this.probeTimer) clearInterval(this.probeTimer);
    this.probeTimer = undefined;
    this.listeners.clear();
  }

  private async check(): Promise<void> {
    if (this.probing || this.since === null) return;
    this.probing = true;
    try {
      await this.probe();
    } catch {
      return;
    } finally {
      this.probing = false;
    }
    this.recovered();
  }

  private recovered(): void {
    if (this.since === null) return;
    clearInterval(this.probeTimer);
    this.probeTimer = undefined;
    const endedAt = this.now();
    const record = { startedAt: this.since, endedAt, durationMs: endedAt - this.since, failures: this.failures };
    this.since = null;
    this.failures = 0;
    this.history.push(record);
    if (this.history.length > 20) this.history.shift();
    this.log.info('database reachable again', { outageMs: record.durationMs, failedRequests: record.failures });
    for (const l of this.listeners) {
      try {
        l();
      } catch (err) {
        this.log.error('outage recovery listener failed', { error: String(err) });
      }
    }
  }
}

/** The gist of a connection error for the one log line: its code and message, no stack. */
function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? `${code}: ${err.message}` : err.message;
}
