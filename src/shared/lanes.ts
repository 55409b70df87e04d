/**
 * Work split into numbered parts, run a few at a time: what a bulk writer uses to keep two
 * database connections busy (one per core) without holding every part's transaction open at once.
 */

/**
 * Calls `task(0)` … `task(parts - 1)`, at most `lanes` at a time, each part started as soon as a
 * lane is free, and resolves with their results in part order. After a failure no part starts;
 * the running ones are awaited (so nothing is still writing when the caller cleans up), and then
 * the first failure is thrown.
 */
export async function inLanes<T>(parts: number, lanes: number, task: (part: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(parts);
  let next = 0;
  let failed = false;
  let failure: unknown;
  const lane = async () => {
    while (!failed && next < parts) {
      const part = next++;
      try {
        results[part] = await task(part);
      } catch (err) {
        if (!failed) failure = err;
        failed = true;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(lanes, parts)) }, lane));
  if (failed) throw failure;
  return results;
}
