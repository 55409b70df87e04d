/**
 * The rate limiter's local accounting (lease.ts), with a simulated shared
 * bucket standing in for PostgreSQL: lease sizes, local decisions, returns,
 * and the overshoot bound across several instances.
 */
import { LeaseBook, leaseSize, MAX_LEASE, type LocalBucket } from './lease';

function clock() {
  let t = 0;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

/** What the lease statement does to the row, in memory. */
class SharedBucket {
  tokens: number;
  private at: number;
  constructor(
    private readonly perMinute: number,
    private readonly now: () => number,
  ) {
    this.tokens = perMinute;
    this.at = now();
  }
  private refill(): number {
    return Math.min(this.perMinute, this.tokens + ((this.now() - this.at) * this.perMinute) / 60_000);
  }
  lease(block: number): { granted: number; tokens: number } {
    const level = this.refill();
    const granted = Math.max(0, Math.min(block, Math.floor(level)));
    this.tokens = level - granted;
    this.at = this.now();
    return { granted, tokens: this.tokens };
  }
  giveBack(n: number): void {
    this.tokens = Math.min(this.perMinute, this.refill() + n);
    this.at = this.now();
  }
}

/** One instance: take locally, lease from the shared bucket when needed (synchronously, as if the statement were instant). */
function instance(book: LeaseBook, shared: SharedBucket, perMinute: number) {
  return () => {
    const b: LocalBucket = book.entry('key:1', perMinute);
    for (;;) {
      const d = book.tryTake(b);
      if (d) return d;
      const r = shared.lease(leaseSize(perMinute));
      book.leased(b, r.granted, r.tokens);
    }
  };
}

describe('leaseSize', () => {
  it('is a twentieth of the limit, at least 1 and at most MAX_LEASE', () => {
    expect(leaseSize(1)).toBe(1);
    expect(leaseSize(5)).toBe(1);
    expect(leaseSize(39)).toBe(1);
    expect(leaseSize(40)).toBe(2);
    expect(leaseSize(600)).toBe(30);
    expect(leaseSize(1_000_000)).toBe(MAX_LEASE);
  });
});

describe('LeaseBook', () => {
  it('answers from held tokens, leases when out, and refuses locally until the next token is due', () => {
    const c = clock();
    const book = new LeaseBook({ now: c.now });
    const b = book.entry('key:1', 60);
    expect(book.tryTake(b)).toBeNull();
    book.leased(b, 3, 57);
    expect(book.tryTake(b)).toEqual({ allowed: true, limit: 60, remaining: 59, retryAfterSeconds: 0 });
    book.tryTake(b);
    expect(book.tryTake(b)).toMatchObject({ allowed: true, remaining: 57 });
    expect(book.tryTake(b)).toBeNull();
    // The shared bucket is down to 0.25 tokens: the next one is due in 0.75 s at 1 a second.
    book.leased(b, 0, 0.25);
    expect(book.tryTake(b)).toEqual({ allowed: false, limit: 60, remaining: 0, retryAfterSeconds: 1 });
    c.advance(749);
    expect(book.tryTake(b)).toMatchObject({ allowed: false });
    c.advance(1);
    expect(book.tryTake(b)).toBeNull();
  });

  it('reports the retry time of a slow bucket in whole seconds', () => {
    const c = clock();
    const book = new LeaseBook({ now: c.now });
    const b = book.entry('key:1', 3);
    book.leased(b, 0, 0.01);
    // 0.99 tokens at 3 a minute: 19.8 s.
    expect(book.tryTake(b)).toMatchObject({ allowed: false, retryAfterSeconds: 20 });
  });

  it('gives back tokens held longer than holdMs, and forgets idle buckets', () => {
    const c = clock();
    const book = new LeaseBook({ now: c.now, holdMs: 10_000 });
    const b = book.entry('key:1', 600);
    book.leased(b, 30, 570);
    book.tryTake(b);
    c.advance(9_999);
    expect(book.expired()).toEqual([]);
    c.advance(1);
    expect(book.expired()).toEqual([{ bucket: 'key:1', tokens: 29, perMinute: 600 }]);
    expect(book.size).toBe(0);
    expect(book.tryTake(book.entry('key:1', 600))).toBeNull();
  });

  it('keeps a bucket known to be empty until its token is due', () => {
    const c = clock();
    const book = new LeaseBook({ now: c.now, holdMs: 1_000 });
    const b = book.entry('ip:a', 6);
    book.leased(b, 0, 0);
    c.advance(5_000);
    book.expired();
    expect(book.size).toBe(1);
    c.advance(5_000);
    book.expired();
    expect(book.size).toBe(0);
  });

  it('drain gives back everything held', () => {
    const book = new LeaseBook();
    book.leased(book.entry('key:1', 600), 30, 570);
    book.leased(book.entry('key:2', 5), 1, 4);
    book.leased(book.entry('key:3', 5), 0, 0);
    expect(book.drain()).toEqual([
      { bucket: 'key:1', tokens: 30, perMinute: 600 },
      { bucket: 'key:2', tokens: 1, perMinute: 5 },
    ]);
    expect(book.size).toBe(0);
  });

  it('stays within maxBuckets, however many client addresses come', () => {
    const book = new LeaseBook({ maxBuckets: 100 });
    for (let i = 0; i < 10_000; i++) book.leased(book.entry(`ip:${i}`, 60), 3, 57);
    expect(book.size).toBe(100);
  });

  it('forgets what it knew when a bucket changes size', () => {
    const book = new LeaseBook();
    const b = book.entry('key:1', 5);
    book.leased(b, 0, 0);
    expect(book.tryTake(b)).toMatchObject({ allowed: false });
    expect(book.tryTake(book.entry('key:1', 600))).toBeNull();
  });
});

describe('several instances sharing one bucket', () => {
  it.each([
    [5, 3],
    [60, 4],
    [600, 4],
    [5_000, 8],
  ])('allow at most the limit plus one block per instance (%i a minute, %i instances)', (perMinute, n) => {
    const c = clock();
    const shared = new SharedBucket(perMinute, c.now);
    const instances = Array.from({ length: n }, () => {
      const book = new LeaseBook({ now: c.now, holdMs: 10_000 });
      return { book, take: instance(book, shared, perMinute) };
    });
    const block = leaseSize(perMinute);
    // Phase 1: each instance leases a block and leaves it idle, while the rest of the bucket is spent.
    for (const i of instances) i.take();
    let allowed = instances.length;
    while (instances[0].take().allowed) allowed++;
    expect(allowed).toBeLessThanOrEqual(perMinute + n * block);
    // Phase 2: a minute later the bucket is full again; every instance still holds (most of) its block.
    c.advance(60_000);
    let burst = 0;
    for (let round = 0; round < perMinute * 3; round++) if (instances[round % n].take().allowed) burst++;
    // One bucket's burst, plus at most one block per instance held from before.
    expect(burst).toBeLessThanOrEqual(perMinute + n * block);
    expect(burst).toBeGreaterThanOrEqual(perMinute);
    if (block === 1) expect(burst).toBeLessThanOrEqual(perMinute + n);
  });

  it('are exact for small limits: a limit of 5 across 2 instances allows 5 in a row, then refuses', () => {
    const c = clock();
    const shared = new SharedBucket(5, c.now);
    const a = instance(new LeaseBook({ now: c.now }), shared, 5);
    const b = instance(new LeaseBook({ now: c.now }), shared, 5);
    const results = Array.from({ length: 12 }, (_, i) => (i % 2 ? b : a)().allowed);
    expect(results.filter(Boolean)).toHaveLength(5);
    expect(results.slice(0, 5).every(Boolean)).toBe(true);
  });

  it('returned tokens become available to the other instances', () => {
    const c = clock();
    const shared = new SharedBucket(600, c.now);
    const bookA = new LeaseBook({ now: c.now, holdMs: 10_000 });
    const a = instance(bookA, shared, 600);
    const b = instance(new LeaseBook({ now: c.now }), shared, 600);
    a();
    while (b().allowed);
    expect(shared.tokens).toBeLessThan(1);
    c.advance(10_000);
    for (const r of bookA.expired()) shared.giveBack(r.tokens);
    // 29 returned plus 100 refilled in 10 s.
    expect(Math.floor(shared.tokens)).toBe(129);
  });
});
