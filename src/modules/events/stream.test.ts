import DataLoader from 'dataloader';
import { CustomerEventType } from './event-types';
import type { FeedEvent, FeedSink } from './feed';
import { MATCH_ALL, normalizeFilter } from './filter';
import { EventStream, type LiveSource, type StreamPage, type StreamOptions } from './stream';

const customers = new DataLoader<string, null>(async (ids) => ids.map(() => null));
const ev = (seq: number, customerId = '1'): FeedEvent => ({
  seq,
  type: CustomerEventType.CUSTOMER_UPDATED,
  customerId,
  personaId: null,
  payload: { fields: ['name'] },
  occurredAt: new Date(0),
  recordedAt: new Date(0),
  customers,
});

/** A feed and an outbox in memory: `commit` adds events to the table; `deliver` hands them to sinks like the feed. */
class FakeFeed implements LiveSource {
  table: FeedEvent[] = [];
  deliveredThrough = 0;
  sinks = new Set<FeedSink>();
  pruned = 0;
  reads = 0;
  register(s: FeedSink) {
    this.sinks.add(s);
  }
  unregister(s: FeedSink) {
    this.sinks.delete(s);
  }
  commit(...events: FeedEvent[]) {
    this.table.push(...events);
  }
  deliverAll() {
    for (const e of this.table.filter((x) => x.seq > this.deliveredThrough)) {
      this.deliveredThrough = e.seq;
      for (const s of this.sinks) s.deliver(e);
    }
  }
  readPage = async (afterSeq: number, limit: number, filter = MATCH_ALL): Promise<StreamPage> => {
    this.reads++;
    const head = this.table.length ? this.table[this.table.length - 1].seq : 0;
    const matching = this.table.filter((e) => e.seq > afterSeq && (filter === MATCH_ALL || filter.customerIds?.has(e.customerId ?? '')));
    const events = matching.slice(0, limit);
    const full = events.length === limit;
    return {
      events,
      head,
      prunedThrough: this.pruned,
      full,
      scannedThrough: full ? events[events.length - 1].seq : Math.max(head, afterSeq),
    };
  };
}

const options = (feed: FakeFeed, o: Partial<StreamOptions> = {}): StreamOptions => ({
  filter: MATCH_ALL,
  after: null,
  maxBuffered: 100,
  pageSize: 3,
  readPage: (a, l) => feed.readPage(a, l, o.filter ?? MATCH_ALL),
  onOverflow: () => undefined,
  ...o,
});

async function take(stream: EventStream, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = await stream.next();
    if (r.done) break;
    out.push(r.value.seq);
  }
  return out;
}

describe('EventStream', () => {
  it('replays page by page, then turns live at the seam without gap or duplicate', async () => {
    const feed = new FakeFeed();
    feed.commit(...[1, 2, 3, 4, 5, 6, 7].map((n) => ev(n)));
    feed.deliverAll();
    const stream = new EventStream(feed, options(feed, { after: 2 }));
    expect(await take(stream, 2)).toEqual([3, 4]);
    // Committed and delivered by the feed while the stream is still replaying: it reads them from the table.
    feed.commit(ev(8), ev(9));
    feed.deliverAll();
    expect(await take(stream, 5)).toEqual([5, 6, 7, 8, 9]);
    expect(stream.isLive).toBe(true);
    // Committed (so a replay read sees it) but not yet handed out by the feed when the stream turns live: delivered once.
    feed.commit(ev(10));
    const overlap = new EventStream(feed, options(feed, { after: 8 }));
    expect(await take(overlap, 2)).toEqual([9, 10]);
    expect(overlap.isLive).toBe(true);
    feed.deliverAll();
    feed.commit(ev(11));
    feed.deliverAll();
    expect(await take(overlap, 1)).toEqual([11]);
    expect(overlap.buffered).toBe(0);
  });

  it('reads replay pages only as the consumer asks for more', async () => {
    const feed = new FakeFeed();
    feed.commit(...Array.from({ length: 30 }, (_, i) => ev(i + 1)));
    feed.deliverAll();
    const stream = new EventStream(feed, options(feed, { after: 0 }));
    await take(stream, 4);
    expect(feed.reads).toBe(2);
  });

  it('advances past events the filter skips, so replay does not rescan them', async () => {
    const feed = new FakeFeed();
    feed.commit(ev(1, '1'), ev(2, '2'), ev(3, '2'), ev(4, '1'));
    feed.deliverAll();
    const filter = normalizeFilter({ customerIds: [Buffer.from('Customer:1').toString('base64url')] });
    const stream = new EventStream(feed, options(feed, { after: 0, filter }));
    expect(await take(stream, 2)).toEqual([1, 4]);
    feed.commit(ev(5, '2'), ev(6, '1'));
    feed.deliverAll();
    expect(await take(stream, 1)).toEqual([6]);
  });

  it('starts live from the feed position when there is no cursor', async () => {
    const feed = new FakeFeed();
    feed.commit(ev(1));
    feed.deliverAll();
    const stream = new EventStream(feed, options(feed));
    const next = stream.next();
    feed.commit(ev(2));
    feed.deliverAll();
    expect((await next).value?.seq).toBe(2);
  });

  it('ends and reports overflow when more live events wait than the buffer holds', async () => {
    const feed = new FakeFeed();
    let overflows = 0;
    const stream = new EventStream(feed, options(feed, { maxBuffered: 3, onOverflow: () => overflows++ }));
    feed.commit(...[1, 2, 3].map((n) => ev(n)));
    feed.deliverAll();
    expect(stream.buffered).toBe(3);
    expect(overflows).toBe(0);
    feed.commit(ev(4), ev(5));
    feed.deliverAll();
    expect(overflows).toBe(1);
    expect(stream.buffered).toBe(0);
    expect(feed.sinks.size).toBe(0);
    expect(await stream.next()).toEqual({ value: undefined, done: true });
  });

  it('fails with RESYNC_REQUIRED when pruning removed events it still had to replay', async () => {
    const feed = new FakeFeed();
    feed.commit(ev(5));
    feed.pruned = 4;
    const stream = new EventStream(feed, options(feed, { after: 2 }));
    await expect(stream.next()).rejects.toMatchObject({ code: 'RESYNC_REQUIRED' });
    expect(feed.sinks.size).toBe(0);
  });

  it('return() ends a waiting next() and unregisters', async () => {
    const feed = new FakeFeed();
    let ended = 0;
    const stream = new EventStream(feed, options(feed, { onEnd: () => ended++ }));
    const pending = stream.next();
    await stream.return();
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(feed.sinks.size).toBe(0);
    expect(ended).toBe(1);
  });
});

describe('onLiveDelivery', () => {
  it('reports live events as they are handed over (queued or awaited), never replayed ones', async () => {
    const feed = new FakeFeed();
    feed.commit(ev(1), ev(2));
    feed.deliverAll();
    const live: number[] = [];
    const stream = new EventStream(feed, options(feed, { after: 0, onLiveDelivery: (e) => live.push(e.seq) }));
    expect(await take(stream, 2)).toEqual([1, 2]);
    expect(live).toEqual([]);
    // Queued while nobody waits, then taken.
    feed.commit(ev(3), ev(4));
    feed.deliverAll();
    expect(live).toEqual([]);
    expect(await take(stream, 2)).toEqual([3, 4]);
    expect(live).toEqual([3, 4]);
    // Handed straight to a waiting consumer.
    const next = stream.next();
    feed.commit(ev(5));
    feed.deliverAll();
    expect((await next).value?.seq).toBe(5);
    expect(live).toEqual([3, 4, 5]);
    await stream.return();
  });
});
