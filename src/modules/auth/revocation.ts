/**
 * Tells this instance when an API key is revoked anywhere, so long-lived
 * connections (WebSockets) authenticated with it can be closed at once.
 * `ApiKeyService.revoke` calls pg_notify(REVOCATION_CHANNEL, id) in its
 * transaction; this feed LISTENs on its own connection. NOTIFY is not durable,
 * so after a reconnect the feed re-reads keys revoked while it was away and
 * reports them too (a listener may hear a key more than once).
 */
import pg from 'pg';
import type { Logger } from '../../shared/logger';
import { REVOCATION_CHANNEL } from './api-key.service';

export type RevocationListener = (apiKeyId: string) => void;

export class RevocationFeed {
  private readonly listeners = new Set<RevocationListener>();
  private client: pg.Client | null = null;
  private connecting: Promise<void> | null = null;
  private listeningSince: string | null = null;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryMs = 250;

  constructor(
    private readonly connectionString: string,
    private readonly log: Logger,
  ) {}

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

  private emit(id: string): void {
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
    const client = new pg.Client({ connectionString: this.connectionString, application_name: 'customer-graph-revocations' });
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
    if (since) {
      // Catch up on revocations announced while we were not listening.
      const missed = await client.query(`SELECT id::text AS id FROM api_key WHERE revoked_at >= $1::timestamptz - interval '5 seconds'`, [since]);
      for (const r of missed.rows as { id: string }[]) this.emit(r.id);
    }
  }

  private lost(client: pg.Client, err: Error): void {
    if (this.client !== client) return;
    this.client = null;
    client.end().catch(() => undefined);
    this.scheduleReconnect(err);
  }

  private scheduleReconnect(err: Error): void {
    if (this.stopped) return;
    this.log.warn('revocation feed lost its connection; reconnecting', { error: err.message, retryMs: this.retryMs });
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
    this.listeners.clear();
    await this.connecting?.catch(() => undefined);
    const c = this.client;
    this.client = null;
    await c?.end().catch(() => undefined);
  }
}
