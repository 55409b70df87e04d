/**
 * One subscription's stream of events: an async iterator that first replays
 * from the outbox (when the client passed `after`), then switches to the live
 * feed with no gap and no duplicate at the seam, and buffers live events in a
 * bounded queue.
 *
 * The seam: `scanned` is the seq up to which this stream has looked (matched
 * or not). Replay reads pages after `scanned` until a page is not full and
 * `scanned` has caught up with what the feed has already handed out; then,
 * synchronously (no await in between), the stream turns live. From then on the
 * feed hands it every event, and it drops those at or below `scanned`. Every
 * seq above `scanned` reaches it live; none at or below it is delivered twice.
 *
 * Replay reads a page only when the consumer asks for more, so a slow reader
 * costs at most one page of memory. Live events are pushed; if more than
 * `maxBuffered` wait, the stream ends and `onOverflow` is called (the transport
 * closes the connection; the client resumes with `after`).
 */
import { DomainError, ErrorCode } from '../../shared/errors';
import type { FeedEvent, FeedSink } from './feed';
import { matchesFilter, type EventFilter } from './filter';
import type { FeedBounds } from './event-store';

export interface StreamPage extends FeedBounds {
  events: FeedEvent[];
  scannedThrough: number;
  full: boolean;
}

/** What a stream needs of the feed. */
export interface LiveSource {
  readonly deliveredThrough: number;
  register(sink: FeedSink): void;
  unregister(sink: FeedSink): void;
}

export interface StreamOptions {
  filter: EventFilter;
  /** Replay after this seq; null starts live from now. */
  after: number | null;
  /** Live events allowed to wait for the consumer before the stream is ended as too slow. */
  maxBuffered: number;
  /** Events per replay read. */
  pageSize: number;
  /** Reads the next replay page (matching events after `afterSeq`, with the feed's bounds). */
  readPage(afterSeq: number, limit: number): Promise<StreamPage>;
  /** The first replay page, when the caller has already read it (to check the cursor). */
  firstPage?: StreamPage;
  /** Called once when the buffer overflows. */
  onOverflow(): void;
  /** Called once when the stream ends for any reason. */
  onEnd?(): void;
  /** Called as each live event (not a replayed one) is handed to the consumer (metrics: delivery lag). */
  onLiveDelivery?(event: FeedEvent): void;
}

type State = 'replay' | 'live' | 'done';

const DONE: IteratorResult<FeedEvent> = { value: undefined, done: true };

/** RESYNC_REQUIRED: events after `after` have been pruned (or the cursor is from another database). */
export function resyncRequired(reason: 'pruned' | 'ahead', field: string): DomainError {
  return new DomainError(
    ErrorCode.RESYNC_REQUIRED,
    reason === 'pruned'
      ? 'Events after this cursor are older than the retention window and have been deleted. Reload the data you keep (e.g. from `customers`), then continue from `latestCustomerEventCursor`.'
      : 'This cursor is ahead of the event feed (it comes from another database or a restored one). Reload the data you keep, then continue from `latestCustomerEventCursor`.',
    { field, reason },
  );
}

export class EventStream implements AsyncIterableIterator<FeedEvent>, FeedSink {
  private state: State;
  private scanned: number;
  private queue: FeedEvent[] = [];
  private head = 0;
  private waiter: ((r: IteratorResult<FeedEvent>) => void) | null = null;
  private overflowed = false;
  /** Events above this seq arrived live (the seam); replayed ones are at or below it. */
  private liveAfter = Infinity;
  /** Most live events that were ever waiting at once (for tests and stats). */
  maxQueued = 0;

  constructor(
    private readonly source: LiveSource,
    private readonly opts: StreamOptions,
  ) {
    if (opts.after === null) {
      this.state = 'live';
      this.scanned = source.deliveredThrough;
      this.liveAfter = this.scanned;
    } else {
      this.state = 'replay';
      this.scanned = opts.after;
    }
    source.register(this);
  }

  /** The partner scope of the stream's filter (the feed reads sharing for partner streams). */
  get partner(): string | null {
    return this.opts.filter.partner ?? null;
  }

  get isLive(): boolean {
    return this.state === 'live';
  }

  get buffered(): number {
    return this.queue.length - this.head;
  }

  /** Called by the feed for every event, in seq order. */
  deliver(event: FeedEvent): void {
    if (this.state !== 'live' || event.seq <= this.scanned) return;
    this.scanned = event.seq;
    if (!matchesFilter(this.opts.filter, event)) return;
    if (this.waiter) {
      const resolve = this.waiter;
      this.waiter = null;
      this.opts.onLiveDelivery?.(event);
      resolve({ value: event, done: false });
      return;
    }
    if (this.buffered >= this.opts.maxBuffered) {
      this.overflow();
      return;
    }
    this.queue.push(event);
    this.maxQueued = Math.max(this.maxQueued, this.buffered);
  }

  async next(): Promise<IteratorResult<FeedEvent>> {
    for (;;) {
      const queued = this.shift();
      if (queued) {
        if (queued.seq > this.liveAfter) this.opts.onLiveDelivery?.(queued);
        return { value: queued, done: false };
      }
      if (this.state === 'done') return DONE;
      if (this.state === 'live') return new Promise((resolve) => (this.waiter = resolve));
      await this.replayPage();
    }
  }

  async return(): Promise<IteratorResult<FeedEvent>> {
    this.end();
    return DONE;
  }

  async throw(err: unknown): Promise<IteratorResult<FeedEvent>> {
    this.end();
    throw err;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private shift(): FeedEvent | undefined {
    if (this.head >= this.queue.length) return undefined;
    const event = this.queue[this.head++];
    // Compact now and then instead of shifting an array on every read.
    if (this.head > 64 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    return event;
  }

  private async replayPage(): Promise<void> {
    let page: StreamPage;
    try {
      const first = this.opts.firstPage;
      this.opts.firstPage = undefined;
      page = first ?? (await this.opts.readPage(this.scanned, this.opts.pageSize));
    } catch (err) {
      this.end();
      throw err;
    }
    if (this.state !== 'replay') return;
    if (page.prunedThrough > this.scanned) {
      this.end();
      throw resyncRequired('pruned', 'after');
    }
    for (const e of page.events) this.queue.push(e);
    this.scanned = Math.max(this.scanned, page.scannedThrough);
    // The seam: no await between this check and turning live.
    if (!page.full && this.scanned >= this.source.deliveredThrough) {
      this.state = 'live';
      this.liveAfter = this.scanned;
    }
  }

  private overflow(): void {
    if (this.overflowed) return;
    this.overflowed = true;
    this.end();
    this.opts.onOverflow();
  }

  private end(): void {
    if (this.state === 'done') return;
    this.state = 'done';
    this.source.unregister(this);
    this.queue = [];
    this.head = 0;
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.(DONE);
    this.opts.onEnd?.();
  }
}
