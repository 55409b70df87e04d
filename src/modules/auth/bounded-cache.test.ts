/** The size bound, LRU order and expiry of BoundedCache, on a fake clock. */
import { BoundedCache } from './bounded-cache';

function clock() {
  let t = 1_000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('BoundedCache', () => {
  it('never holds more than maxEntries, evicting the least recently used', () => {
    const c = clock();
    const cache = new BoundedCache<string, number>(3, Infinity, c.now);
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('c', 3);
    expect(cache.get('a')).toBe(1); // a is now the most recent: b goes first
    cache.set('d', 4);
    expect(cache.size).toBe(3);
    expect(cache.get('b')).toBeUndefined();
    expect([...cache.entries()].map(([k]) => k)).toEqual(['c', 'a', 'd']);
    for (let i = 0; i < 10_000; i++) cache.set(`k${i}`, i);
    expect(cache.size).toBe(3);
  });

  it('expires entries after their TTL, per entry when given', () => {
    const c = clock();
    const cache = new BoundedCache<string, string>(10, 5_000, c.now);
    cache.set('short', 'x');
    cache.set('long', 'y', 60_000);
    c.advance(4_999);
    expect(cache.get('short')).toBe('x');
    c.advance(1);
    expect(cache.get('short')).toBeUndefined();
    expect(cache.get('long')).toBe('y');
    c.advance(60_000);
    expect([...cache.entries()]).toEqual([]);
    expect(cache.size).toBe(0);
  });

  it('re-setting a key replaces it without growing; deleteWhere and clear remove', () => {
    const cache = new BoundedCache<string, number>(2, Infinity);
    cache.set('a', 1);
    cache.set('a', 2);
    expect(cache.size).toBe(1);
    expect(cache.get('a')).toBe(2);
    cache.set('b', 3);
    expect(cache.deleteWhere((v) => v === 3)).toBe(1);
    expect(cache.get('b')).toBeUndefined();
    cache.clear();
    expect(cache.size).toBe(0);
  });

  it('refuses a size below one', () => {
    expect(() => new BoundedCache(0, 1)).toThrow(RangeError);
  });
});
