/**
 * Tells this instance when an API key is revoked anywhere, so long-lived
 * connections (WebSockets) authenticated with it can be closed at once.
 * `ApiKeyService.revoke` calls pg_notify(REVOCATION_CHANNEL, id) in its
 * transaction; this feed LISTENs on its own connection. NOTIFY is not durable,
 * so after a reconnect the feed re-reads keys revoked while it was away and
 * reports them too (a listener may hear a key more than once).
 *
 * The API-key cache relies on this feed for freshness, so the feed also says
 * whether it is listening (`listening`, `onStateChange`) and checks its
 * connection with a ping every `heartbeatMs`: a connection that died without a
 * word (a dropped route, a frozen server) counts as lost once a ping goes
 * unanswered for `pingTimeoutMs`, instead of after the kernel's TCP timeouts.
 */
import pg from 'pg';
import type { Logger } from '../../shared/logger';
import { REVOCATION_CHANNEL } from './api-key.service';

export type RevocationListener = (apiKeyId: string) => void;

export interface RevocationFeedOptions {
  /** How often the LISTEN connection is pinged (ms, default 15 s). */
  heartbeatMs?: number;
  /** A ping unanswered this long means the connection is lost (ms, default 5 s). */
  pingTimeoutMs?: number;
}

export class RevocationFeed {
  private readonly listeners = new Set<RevocationListener>();
  private readonly stateListeners = new Set<(listening: boolean) => void>();
  private heartbeat: NodeJS.Timeout | undefined;
  private readonly heartbeatMs: number;
  private readonly pingTimeoutMs: number;
  private client: pg.Client | null = null;
  private connecting: Promise<void> | null = null;
  private listeningSince: string | null = null;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryMs = 250;
  /** Revocations heard lately (id → when), so a waiter that arrives after the notice is answered at once. */
  private readonly heardAt = new Map<string, number>();
  private readonly waiters = new Map<string, Set<() => void>>();

  constructor(
    private readonly connectionString: string,
    private readonly log: Logger,
    opts: RevocationFeedOptions = {},
  ) {
    this.heartbeatMs = opts.heartbeatMs ?? 15_000;
    this.pingTimeoutMs = opts.pingTimeoutMs ?? 5_000;
  }

  /** True while LISTEN is active: every revocation committed from now on will be reported. */
  get listening(): boolean {
    return this.client !== null && !this.stopped;
  }

  /**
   * Calls `listener(true)` each time LISTEN becomes active (the first time and
   * after every reconnect, before keys revoked while away are reported) and
   * `listener(false)` when the connection is lost. Returns an unsubscribe function.
   */
  onStateChange(listener: (listening: boolean) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  private emitState(listening: boolean): void {
    for (const l of this.stateListeners) {
      try {
        l(listening);
      } catch (err) {
        this.log.error('revocation state listener failed', { error: String(err) });
      }
    }
  }

  /**
   * Calls `listener` with the id of every key revoked from now on. Starts
   * listening on first use; resolves once LISTEN is active. Returns an
   * unsubscribe function.
   */
  async onRevoked(listener: RevocationListener): Promise<() => void> {
    this.listeners.add(listener);
    await this.ensureListening();
    return () => this.listeners.delete(listener);
  }

  /**
   * Resolves once this instance's LISTEN connection has delivered the notice of
   * `apiKeyId`'s revocation (true), or after `timeoutMs` or at once when the
   * feed is not listening (false). A revoking instance waits for its own copy of
   * the notice before answering: PostgreSQL sends the notice to every listening
   * instance at commit, so by then the others have it too.
   */
  heard(apiKeyId: string, timeoutMs: number): Promise<boolean> {
    if (this.heardAt.has(apiKeyId)) return Promise.resolve(true);
    if (!this.listening) return Promise.resolve(false);
    return new Promise((resolve) => {
      const waiters = this.waiters.get(apiKeyId) ?? new Set<() => void>();
      const done = (heard: boolean) => {
        clearTimeout(timer);
        waiters.delete(onHeard);
        if (waiters.size === 0) this.waiters.delete(apiKeyId);
        resolve(heard);
      };
      const onHeard = () => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      timer.unref();
      waiters.add(onHeard);
      this.waiters.set(apiKeyId, waiters);
    });
  }

  private emit(id: string): void {
    const now = Date.now();
    this.heardAt.set(id, now);
    for (const [key, at] of this.heardAt) if (now - at > 10_000) this.heardAt.delete(key);
    for (const w of [...(this.waiters.get(id) ?? [])]) w();
    for (const l of this.listeners) {
      try {
        l(id);
      } catch (err) {
        this.log.error('revocation listener failed', { error: String(err) });
      }
    }
  }

  private ensureListening(): Promise<void> {
    if (this.client) return Promise.resolve();
    this.connecting ??= this.connect().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client({
      connectionString: this.connectionString,
      application_name: 'customer-graph-revocations',
      keepAlive: true,
    });
    client.on('notification', (msg) => {
      if (msg.channel === REVOCATION_CHANNEL && msg.payload) this.emit(msg.payload);
    });
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client, new Error('connection ended')));
    let now: { t: string }[];
    try {
      await client.connect();
      await client.query(`LISTEN ${REVOCATION_CHANNEL}`);
      now = (await client.query(`SELECT now()::text AS t`)).rows;
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    const since = this.listeningSince;
    this.listeningSince = now[0].t;
    this.client = client;
    this.retryMs = 250;
    this.startHeartbeat(client);
    this.emitState(true);
    if (since) {
      // Catch up on revocations announced while we were not listening.
      const missed = await client.query(`SELECT id::text AS id FROM api_key WHERE revoked_at >= $1::timestamptz - interval '5 seconds'`, [
        since,
      ]);
      for (const r of missed.rows as { id: string }[]) this.emit(r.id);
    }
  }

  private lost(client: pg.Client, err: Error): void {
    if (this.client !== client) return;
    this.client = null;
    this.stopHeartbeat();
    client.end().catch(() => undefined);
    this.emitState(false);
    this.scheduleReconnect(err);
  }

  private startHeartbeat(client: pg.Client): void {
    this.stopHeartbeat();
    this.heartbeat = setInterval(() => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer to a ping within ${this.pingTimeoutMs} ms`)), this.pingTimeoutMs);
      });
      Promise.race([client.query('SELECT 1'), timeout])
        .catch((err: unknown) => this.lost(client, err instanceof Error ? err : new Error(String(err))))
        .finally(() => clearTimeout(timer));
    }, this.heartbeatMs);
    this.heartbeat.unref();
  }

  private stopHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }

  private scheduleReconnect(err: Error): void {
    if (this.stopped) return;
    // The first failure is worth a line; the retries of an outage are not (the outage monitor logs it once).
    const first = this.retryMs === 250;
    this.log[first ? 'warn' : 'debug']('revocation feed lost its connection; reconnecting', { error: err.message, retryMs: this.retryMs });
    this.retryTimer = setTimeout(() => {
      this.ensureListening().catch((e) => this.scheduleReconnect(e instanceof Error ? e : new Error(String(e))));
    }, this.retryMs);
    this.retryTimer.unref();
    this.retryMs = Math.min(this.retryMs * 2, 10_000);
  }

  /** Stops listening and forgets every listener. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.stopHeartbeat();
    this.emitState(false);
    this.listeners.clear();
    this.stateListeners.clear();
    await this.connecting?.catch(() => undefined);
    const c = this.client;
    this.client = null;
    await c?.end().catch(() => undefined);
  }
}
