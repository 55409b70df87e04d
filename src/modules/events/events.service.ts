/**
 * The customer event feed as a service: paging through retained events,
 * opening live subscriptions (replay + live, see stream.ts), the per-instance
 * feed (feed.ts) and the retention job. Built once per process; `start` must be
 * called before subscriptions are opened (the app does it at start-up).
 */
import type { DataSource } from 'typeorm';
import { byIdLoader } from '../../db/by-id-loader';
import type { Clock } from '../../shared/clock';
import { badInput } from '../../shared/errors';
import type { Logger } from '../../shared/logger';
import { Customer } from '../customers/customer.entity';
import { decodeEventCursor, encodeEventCursor } from './event-cursor';
import { EventStore, type StoredEvent } from './event-store';
import { EventFeed, type FeedEvent, type FeedOptions, type FeedStats } from './feed';
import type { EventFilter } from './filter';
import { EventStream, resyncRequired, type StreamPage } from './stream';

/** Largest `first` for `Query.customerEvents`. */
export const MAX_EVENT_PAGE = 200;
export const DEFAULT_EVENT_PAGE = 50;

export interface EventServiceStartOptions {
  log: Logger;
  /** Connection string for the LISTEN connection. */
  url: string;
  /** Days an event stays replayable (EVENT_RETENTION_DAYS). */
  retentionDays: number;
  /** Live events one subscription may have waiting before it is closed as too slow (EVENT_SUBSCRIPTION_BUFFER). */
  maxBuffered?: number;
  /** How often the retention job runs (default hourly; it also runs at start). */
  pruneIntervalMs?: number;
  feed?: Partial<Omit<FeedOptions, 'url' | 'log'>>;
  /** Called as each live event is handed to a subscriber (the app measures delivery lag with it). */
  onLiveDelivery?: (event: StoredEvent) => void;
}

export interface EventPageResult {
  events: FeedEvent[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  /** Where the read stopped; `after: resumeCursor` continues without missing anything. */
  resumeCursor: string;
  totalCount(): Promise<number>;
}

export interface SubscribeOptions {
  filter: EventFilter;
  /** Cursor to replay after (the `after` argument); null for live only. */
  after: string | null | undefined;
  /** Called when the subscriber fell too far behind and its stream was ended. */
  onOverflow(): void;
}

export interface EventServiceStats extends FeedStats {
  /** Open subscriptions on this instance. */
  subscriptions: number;
  /** Most live events that ever waited in one subscription's buffer. */
  maxQueued: number;
  /** Subscriptions ended because their buffer overflowed. */
  slowConsumersClosed: number;
}

const REPLAY_PAGE = 200;

export class EventService {
  readonly store: EventStore;
  private feed: EventFeed | null = null;
  private maxBuffered = 10_000;
  private retentionDays = 7;
  private pruneTimer: NodeJS.Timeout | null = null;
  private log: Logger | null = null;
  private onLiveDelivery: ((event: StoredEvent) => void) | undefined;
  private readonly streams = new Set<EventStream>();
  private maxQueued = 0;
  private slowConsumersClosed = 0;

  constructor(
    private readonly ds: DataSource,
    private readonly clock: Clock,
  ) {
    this.store = new EventStore(ds);
  }

  /** Starts the feed (LISTEN connection) and the retention job. */
  async start(opts: EventServiceStartOptions): Promise<void> {
    if (this.feed) return;
    this.log = opts.log;
    this.maxBuffered = opts.maxBuffered ?? this.maxBuffered;
    this.retentionDays = opts.retentionDays;
    this.onLiveDelivery = opts.onLiveDelivery;
    const feed = new EventFeed(this.ds, this.store, { url: opts.url, log: opts.log, ...opts.feed });
    await feed.start();
    this.feed = feed;
    const runPrune = () => void this.prune().catch((err: Error) => opts.log.error('pruning old events failed', { error: err.message }));
    runPrune();
    this.pruneTimer = setInterval(runPrune, opts.pruneIntervalMs ?? 3_600_000);
    this.pruneTimer.unref();
  }

  /** Ends every open subscription and closes the LISTEN connection. */
  async stop(): Promise<void> {
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    this.pruneTimer = null;
    for (const s of [...this.streams]) await s.return();
    await this.feed?.stop();
    this.feed = null;
  }

  stats(): EventServiceStats {
    const feed = this.feed?.stats() ?? { position: 0, sinks: 0, listening: false, listenerPid: null, connects: 0, eventsRead: 0 };
    let maxQueued = this.maxQueued;
    for (const s of this.streams) maxQueued = Math.max(maxQueued, s.maxQueued);
    return { ...feed, subscriptions: this.streams.size, maxQueued, slowConsumersClosed: this.slowConsumersClosed };
  }

  /** Deletes events older than the retention window; returns how many. */
  async prune(now: Date = this.clock.now()): Promise<number> {
    const cutoff = new Date(now.getTime() - this.retentionDays * 86_400_000);
    const deleted = await this.store.prune(cutoff);
    if (deleted) this.log?.info('pruned old events', { deleted, cutoff: cutoff.toISOString() });
    return deleted;
  }

  /** The cursor of the newest committed event: `after` it means "everything from now on". */
  async latestCursor(): Promise<string> {
    return encodeEventCursor((await this.store.bounds()).head);
  }

  /** Checks an `after` cursor against the feed; RESYNC_REQUIRED when it cannot be resumed from. */
  private async afterSeq(after: string | null | undefined, field: string): Promise<number | null> {
    if (after == null) return null;
    const seq = decodeEventCursor(after, field);
    const bounds = await this.store.bounds();
    if (seq < bounds.prunedThrough) throw resyncRequired('pruned', field);
    if (seq > bounds.head) throw resyncRequired('ahead', field);
    return seq;
  }

  private withLoader(events: StoredEvent[]): FeedEvent[] {
    const customers = byIdLoader(this.ds.manager, Customer, true);
    return events.map((e) => ({ ...e, customers }));
  }

  /** A page of retained events after `after`, oldest first (`Query.customerEvents`). */
  async page(filter: EventFilter, first: number | null | undefined, after: string | null | undefined): Promise<EventPageResult> {
    const size = first ?? DEFAULT_EVENT_PAGE;
    if (!Number.isInteger(size) || size < 0 || size > MAX_EVENT_PAGE) {
      throw badInput('first', `\`first\` must be a whole number from 0 to ${MAX_EVENT_PAGE}.`, { max: MAX_EVENT_PAGE });
    }
    const from = (await this.afterSeq(after, 'after')) ?? 0;
    const page = await this.store.page(from, filter, size + 1);
    // Pruning may have run between the check above and this read.
    if (after != null && page.prunedThrough > from) throw resyncRequired('pruned', 'after');
    const events = page.events.slice(0, size);
    const hasNextPage = page.events.length > size;
    const resume = hasNextPage ? (events.length ? events[events.length - 1].seq : from) : page.scannedThrough;
    return {
      events: this.withLoader(events),
      hasNextPage,
      hasPreviousPage: after != null,
      resumeCursor: encodeEventCursor(resume),
      totalCount: () => this.store.count(from, filter),
    };
  }

  /**
   * Opens a subscription stream: replays matching events after `after` (if
   * given), then continues live. Throws BAD_USER_INPUT for a malformed cursor
   * and RESYNC_REQUIRED for one the feed can no longer resume from.
   */
  async subscribe(opts: SubscribeOptions): Promise<EventStream> {
    const feed = this.feed;
    if (!feed) throw new Error('The event feed is not running: call EventService.start() first.');
    const readPage = async (afterSeq: number, limit: number): Promise<StreamPage> => {
      const page = await this.store.page(afterSeq, opts.filter, limit);
      return { ...page, events: this.withLoader(page.events) };
    };
    let after: number | null = null;
    let firstPage: StreamPage | undefined;
    if (opts.after != null) {
      const seq = decodeEventCursor(opts.after, 'after');
      // A cursor at the feed's position (the usual resume on a quiet feed) needs no replay: everything after it
      // will be delivered live. No await between this check and registering the stream below.
      if (seq !== feed.deliveredThrough) {
        firstPage = await readPage(seq, REPLAY_PAGE);
        if (seq < firstPage.prunedThrough) throw resyncRequired('pruned', 'after');
        if (seq > firstPage.head) throw resyncRequired('ahead', 'after');
        after = seq;
      }
    }
    const stream: EventStream = new EventStream(feed, {
      filter: opts.filter,
      after,
      firstPage,
      maxBuffered: this.maxBuffered,
      pageSize: REPLAY_PAGE,
      readPage,
      onLiveDelivery: this.onLiveDelivery,
      onOverflow: () => {
        this.slowConsumersClosed++;
        this.log?.warn('subscriber too slow; closing it', { maxBuffered: this.maxBuffered });
        opts.onOverflow();
      },
      onEnd: () => {
        this.maxQueued = Math.max(this.maxQueued, stream.maxQueued);
        this.streams.delete(stream);
      },
    });
    this.streams.add(stream);
    return stream;
  }
}
