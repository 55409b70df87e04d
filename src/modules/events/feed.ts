/**
 * The per-instance live feed: one LISTEN connection, one reader, many sinks.
 *
 * NOTIFY only says "something committed"; the feed then reads every event after
 * the last one it delivered, in seq (= commit) order, and hands each to every
 * registered sink. Notifications are not durable, so when the LISTEN connection
 * drops the feed reconnects with exponential backoff and, once listening again,
 * re-reads from its position: whatever committed while it was deaf is delivered
 * then, in order, none skipped and none twice.
 */
import pg from 'pg';
import DataLoader from 'dataloader';
import type { DataSource } from 'typeorm';
import { byIdLoader } from '../../db/by-id-loader';
import type { Logger } from '../../shared/logger';
import { isConnectionError } from '../../shared/pg-errors';
import { Customer } from '../customers/customer.entity';
import type { EventStore, StoredEvent } from './event-store';
import { EVENTS_CHANNEL } from './outbox';
import { scopedCustomerIds } from './filter';

/**
 * An event as the feed hands it out. `customers` is one loader shared by every
 * event of the same read, so thousands of subscribers selecting `customer`
 * cost one query per read instead of one per subscriber.
 */
export interface FeedEvent extends StoredEvent {
  customers: DataLoader<string, Customer | null>;
  /** Each customer of the event → the partners they share with, read with the event; set while a partner stream listens. */
  sharedWith?: ReadonlyMap<string, ReadonlySet<string>> | null;
}

/** Receives every event the feed reads, synchronously and in order. */
export interface FeedSink {
  deliver(event: FeedEvent): void;
  /** A PARTNER key's stream: the feed then reads, per batch, which partners each event's customers share with. */
  readonly partner?: string | null;
}

export interface FeedOptions {
  /** Connection string for the dedicated LISTEN connection. */
  url: string;
  log: Logger;
  /** Events read per statement (default 500). */
  readBatch?: number;
  /** First reconnect delay; doubles per failed attempt up to `reconnectMaxMs` (defaults 100 ms and 5 s). */
  reconnectInitialMs?: number;
  reconnectMaxMs?: number;
  /** How often the LISTEN connection is checked with a query (default 30 s); a dead one is replaced. */
  heartbeatMs?: number;
  /** `application_name` of the LISTEN connection, to find it in pg_stat_activity. */
  applicationName?: string;
}

export interface FeedStats {
  /** The seq of the last event handed to sinks. */
  position: number;
  sinks: number;
  /** Whether the LISTEN connection is up. */
  listening: boolean;
  /** Backend pid of the LISTEN connection (null while down). */
  listenerPid: number | null;
  /** How many times the LISTEN connection was (re)established. */
  connects: number;
  /** Events read from the table since start. */
  eventsRead: number;
}

export class EventFeed {
  private position = 0;
  private readonly sinks = new Set<FeedSink>();
  private client: pg.Client | null = null;
  private listenerPid: number | null = null;
  private connects = 0;
  private eventsRead = 0;
  private attempt = 0;
  private reading = false;
  private readAgain = false;
  private stopped = true;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private retryReadTimer: NodeJS.Timeout | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private readonly batch: number;

  constructor(
    private readonly ds: DataSource,
    private readonly store: EventStore,
    private readonly opts: FeedOptions,
  ) {
    this.batch = opts.readBatch ?? 500;
  }

  /** Starts at the current head (earlier events are for `after` replays) and listens. Throws if the first connection fails. */
  async start(): Promise<void> {
    this.stopped = false;
    this.position = (await this.store.bounds()).head;
    await this.connect();
    const heartbeatMs = this.opts.heartbeatMs ?? 30_000;
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), heartbeatMs);
    this.heartbeatTimer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of [this.reconnectTimer, this.retryReadTimer]) if (t) clearTimeout(t);
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    const client = this.client;
    this.client = null;
    this.listenerPid = null;
    if (client) await client.end().catch(() => undefined);
    this.sinks.clear();
  }

  /** The seq of the last event handed to sinks; every later event will be handed to sinks registered now. */
  get deliveredThrough(): number {
    return this.position;
  }

  get running(): boolean {
    return !this.stopped;
  }

  register(sink: FeedSink): void {
    this.sinks.add(sink);
  }

  unregister(sink: FeedSink): void {
    this.sinks.delete(sink);
  }

  stats(): FeedStats {
    return {
      position: this.position,
      sinks: this.sinks.size,
      listening: this.client !== null,
      listenerPid: this.listenerPid,
      connects: this.connects,
      eventsRead: this.eventsRead,
    };
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.opts.url,
      application_name: this.opts.applicationName ?? 'customer-graph-listener',
      keepAlive: true,
      connectionTimeoutMillis: 10_000,
      query_timeout: 10_000,
    });
    client.on('notification', (msg) => {
      // The payload is the newest seq of the committing transaction; skip reads we already did.
      if (msg.payload !== undefined && Number(msg.payload) <= this.position && !this.reading) return;
      this.scheduleRead();
    });
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${EVENTS_CHANNEL}`);
      const [{ pid }] = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows;
      if (this.stopped) {
        await client.end();
        return;
      }
      this.client = client;
      this.listenerPid = pid;
      this.connects++;
      this.attempt = 0;
    } catch (err) {
      client.removeAllListeners();
      client.on('error', () => undefined);
      await client.end().catch(() => undefined);
      throw err;
    }
    // Anything that committed while we were not listening is only in the table.
    this.scheduleRead();
  }

  private lost(client: pg.Client, err?: Error): void {
    if (client !== this.client) return;
    this.client = null;
    this.listenerPid = null;
    client.removeAllListeners();
    client.on('error', () => undefined);
    void client.end().catch(() => undefined);
    if (this.stopped) return;
    this.opts.log.warn('event listener connection lost; reconnecting', { error: err?.message });
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.reconnectTimer) return;
    const initial = this.opts.reconnectInitialMs ?? 100;
    const max = this.opts.reconnectMaxMs ?? 5_000;
    const base = Math.min(max, initial * 2 ** this.attempt++);
    // Jitter keeps many instances from reconnecting in lockstep after a database restart.
    const delay = base / 2 + Math.random() * (base / 2);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.connect().catch((err: Error) => {
        // The loss itself was logged; a database outage is logged once by the outage monitor, not per attempt.
        this.opts.log.debug('event listener reconnect failed', { error: err.message, attempt: this.attempt });
        this.scheduleReconnect();
      });
    }, delay);
  }

  private async heartbeat(): Promise<void> {
    const client = this.client;
    if (!client) return;
    try {
      await client.query('SELECT 1');
    } catch (err) {
      this.lost(client, err as Error);
    }
  }

  private scheduleRead(): void {
    if (this.stopped) return;
    if (this.reading) {
      this.readAgain = true;
      return;
    }
    this.reading = true;
    void this.readLoop();
  }

  private async readLoop(): Promise<void> {
    try {
      do {
        this.readAgain = false;
        await this.readNew();
      } while (this.readAgain && !this.stopped);
    } catch (err) {
      if (isConnectionError(err))
        this.opts.log.debug('reading new events failed: database unreachable; retrying', { error: (err as Error).message });
      else this.opts.log.error('reading new events failed; retrying', { error: (err as Error).message });
      if (!this.stopped && !this.retryReadTimer) {
        this.retryReadTimer = setTimeout(() => {
          this.retryReadTimer = null;
          this.scheduleRead();
        }, 1_000);
      }
    } finally {
      this.reading = false;
    }
  }

  /**
   * Who each customer of these events shares with now, in one statement per
   * read, so partner streams filter synchronously; null (no statement) while no
   * partner stream listens. Read after the events, so a withdrawal committed
   * before them is always seen.
   */
  private async sharingOf(rows: readonly StoredEvent[]): Promise<Map<string, Set<string>> | null> {
    if (!rows.length || ![...this.sinks].some((s) => s.partner != null)) return null;
    const ids = [...new Set(rows.flatMap((r) => scopedCustomerIds(r)))];
    const found: { id: string; partners: string[] }[] = await this.ds.query(
      `SELECT customer_id::text AS id, array_agg(partner) AS partners FROM partner_sharing WHERE customer_id = ANY($1::bigint[]) GROUP BY customer_id`,
      [ids],
    );
    return new Map(found.map((f) => [f.id, new Set(f.partners)]));
  }

  private async readNew(): Promise<void> {
    for (;;) {
      const rows = await this.store.readAfter(this.position, this.batch);
      if (this.stopped) return;
      const customers = byIdLoader(this.ds.manager, Customer, true);
      const sharedWith = await this.sharingOf(rows);
      if (this.stopped) return;
      this.eventsRead += rows.length;
      for (const row of rows) {
        const event: FeedEvent = { ...row, customers, sharedWith };
        this.position = row.seq;
        for (const sink of this.sinks) {
          try {
            sink.deliver(event);
          } catch (err) {
            this.opts.log.error('event sink failed', { error: (err as Error).message, seq: row.seq });
          }
        }
      }
      if (rows.length < this.batch) return;
    }
  }
}
