import { inLanes } from './lanes';

/** A task whose parts finish when the test says so, recording which are running. */
function controlled() {
  const running = new Set<number>();
  const started: number[] = [];
  const finish = new Map<number, { resolve: (v: string) => void; reject: (e: Error) => void }>();
  const task = (part: number) =>
    new Promise<string>((resolve, reject) => {
      running.add(part);
      started.push(part);
      finish.set(part, {
        resolve: (v) => (running.delete(part), resolve(v)),
        reject: (e) => (running.delete(part), reject(e)),
      });
    });
  return { running, started, finish, task };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('inLanes', () => {
  it('runs at most `lanes` parts at once and returns results in part order', async () => {
    const c = controlled();
    const done = inLanes(5, 2, c.task);
    await tick();
    expect([...c.running]).toEqual([0, 1]);
    c.finish.get(1)!.resolve('b');
    await tick();
    expect([...c.running].sort()).toEqual([0, 2]);
    for (const part of [0, 2]) c.finish.get(part)!.resolve(String.fromCharCode(97 + part));
    await tick();
    expect([...c.running].sort()).toEqual([3, 4]);
    c.finish.get(4)!.resolve('e');
    c.finish.get(3)!.resolve('d');
    await expect(done).resolves.toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('starts nothing after a failure, waits for the running parts, then throws the first failure', async () => {
    const c = controlled();
    let settled = false;
    const done = inLanes(6, 2, c.task).finally(() => (settled = true));
    done.catch(() => undefined);
    await tick();
    c.finish.get(0)!.reject(new Error('first'));
    await tick();
    expect(c.started).toEqual([0, 1]);
    expect(settled).toBe(false); // part 1 is still running
    c.finish.get(1)!.reject(new Error('second'));
    await expect(done).rejects.toThrow('first');
    expect(c.started).toEqual([0, 1]);
  });

  it('handles no parts and more lanes than parts', async () => {
    await expect(inLanes(0, 2, async () => 1)).resolves.toEqual([]);
    await expect(inLanes(1, 4, async (k) => k + 1)).resolves.toEqual([1]);
  });
});
