/**
 * DataLoader contract helpers: a batch function must return one result per
 * key, in key order. These put rows fetched in any order back in key order.
 */

/** One row (or null) per key, matched by `keyOf(row)`. */
export function orderByKeys<K, R>(keys: readonly K[], rows: readonly R[], keyOf: (row: R) => K): (R | null)[] {
  const byKey = new Map<K, R>();
  for (const row of rows) byKey.set(keyOf(row), row);
  return keys.map((k) => byKey.get(k) ?? null);
}

/** All rows per key (an empty list for keys with none), matched by `keyOf(row)`. */
export function groupByKeys<K, R>(keys: readonly K[], rows: readonly R[], keyOf: (row: R) => K): R[][] {
  const byKey = new Map<K, R[]>();
  for (const k of keys) byKey.set(k, []);
  for (const row of rows) byKey.get(keyOf(row))?.push(row);
  return keys.map((k) => byKey.get(k)!);
}
