/**
 * A least-recently-used map with a hard size bound and per-entry expiry: the
 * one structure behind the API-key cache and the rate limiter's local buckets.
 *
 * A JavaScript Map keeps insertion order, so re-inserting an entry on every hit
 * makes the first entry the least recently used one; evicting it when the map
 * is full is O(1). Expired entries are dropped when read or when they reach the
 * front, so they never push the size past `maxEntries` either. Tens of lines
 * instead of a dependency: the callers need exactly this (a bound, a TTL per
 * entry, iteration for sweeps, an injectable clock for tests) and nothing more.
 */

interface Slot<V> {
  value: V;
  expiresAt: number;
}

export class BoundedCache<K, V> {
  private readonly map = new Map<K, Slot<V>>();

  /**
   * @param maxEntries most entries kept at once (≥ 1); adding one more evicts the least recently used.
   * @param ttlMs default lifetime of an entry in milliseconds (`Infinity`: until evicted or deleted).
   * @param now the clock, in milliseconds (tests pass a fake one).
   */
  constructor(
    readonly maxEntries: number,
    readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {
    if (!(maxEntries >= 1)) throw new RangeError('maxEntries must be at least 1');
  }

  /** Entries held, expired ones not yet dropped included; never more than `maxEntries`. */
  get size(): number {
    return this.map.size;
  }

  /** The value for `key` if present and not expired; a hit makes it the most recently used. */
  get(key: K): V | undefined {
    const slot = this.map.get(key);
    if (!slot) return undefined;
    if (slot.expiresAt <= this.now()) {
      this.map.delete(key);
      return undefined;
    }
    this.map.delete(key);
    this.map.set(key, slot);
    return slot.value;
  }

  /**
   * Stores `value` under `key` for `ttlMs` (default: the cache's), as the most
   * recently used entry. When full, the least recently used entry goes first.
   */
  set(key: K, value: V, ttlMs: number = this.ttlMs): void {
    this.map.delete(key);
    while (this.map.size >= this.maxEntries) {
      const oldest = this.map.keys().next();
      if (oldest.done) break;
      this.map.delete(oldest.value);
    }
    this.map.set(key, { value, expiresAt: this.now() + ttlMs });
  }

  /** Removes `key`; true when it was there. */
  delete(key: K): boolean {
    return this.map.delete(key);
  }

  /** Removes every entry whose value matches; returns how many. */
  deleteWhere(match: (value: V, key: K) => boolean): number {
    let n = 0;
    for (const [key, slot] of this.map) {
      if (match(slot.value, key)) {
        this.map.delete(key);
        n++;
      }
    }
    return n;
  }

  /** Removes everything. */
  clear(): void {
    this.map.clear();
  }

  /**
   * The live entries, least recently used first, without touching their
   * recency; expired ones are dropped on the way. Safe to delete while iterating.
   */
  *entries(): IterableIterator<[K, V]> {
    const now = this.now();
    for (const [key, slot] of this.map) {
      if (slot.expiresAt <= now) {
        this.map.delete(key);
        continue;
      }
      yield [key, slot.value];
    }
  }
}
