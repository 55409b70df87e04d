import { DatabaseOutage } from './outage';
import { createLogger } from '../shared/logger';

describe('DatabaseOutage', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('logs one line when an outage starts and one when it ends, however many failures come between', async () => {
    const lines: { level: string; msg: string; outageMs?: number; failedRequests?: number }[] = [];
    let up = false;
    let t = 1_000;
    const outage = new DatabaseOutage(
      () => (up ? Promise.resolve() : Promise.reject(new Error('ECONNREFUSED'))),
      createLogger('debug', (l) => lines.push(JSON.parse(l))),
      {
        probeEveryMs: 100,
        now: () => t,
      },
    );
    const recovered = jest.fn();
    outage.onRecovered(recovered);
    for (let i = 0; i < 50; i++) outage.failed(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    expect(outage.down).toBe(true);
    await jest.advanceTimersByTimeAsync(300);
    expect(outage.down).toBe(true);
    up = true;
    t = 1_750;
    await jest.advanceTimersByTimeAsync(100);
    expect(outage.down).toBe(false);
    expect(recovered).toHaveBeenCalledTimes(1);
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      ['error', 'database unreachable: answering SERVICE_UNAVAILABLE until it is back'],
      ['info', 'database reachable again'],
    ]);
    expect(lines[1]).toMatchObject({ outageMs: 750, failedRequests: 50 });
    expect(outage.history).toEqual([{ startedAt: 1_000, endedAt: 1_750, durationMs: 750, failures: 50 }]);
    outage.stop();
  });
});
