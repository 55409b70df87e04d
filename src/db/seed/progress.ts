/**
 * Seeding progress: a live bar on a terminal, plain log lines otherwise (CI
 * logs, files, pipes), so nobody gets a screenful of carriage returns.
 */
import cliProgress from 'cli-progress';
import type { Logger } from '../../shared/logger';

export interface SeedProgress {
  start(totalCustomers: number): void;
  /** Called after each written cohort with running totals. */
  update(customersDone: number, rowsDone: number, rowsPerSecond: number): void;
  stop(): void;
}

export const silentProgress: SeedProgress = { start() {}, update() {}, stop() {} };

/** A cli-progress bar on `stream` (a TTY). */
export function barProgress(stream: NodeJS.WriteStream = process.stderr): SeedProgress {
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: 'Seeding demo data [{bar}] {percentage}% | {value}/{total} customers | {rows} rows | {rate} rows/s | ETA {eta_formatted}',
      hideCursor: true,
      clearOnComplete: false,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  return {
    start: (total) => bar.start(total, 0, { rows: 0, rate: 0 }),
    update: (done, rows, rate) => bar.update(done, { rows, rate: Math.round(rate) }),
    stop: () => bar.stop(),
  };
}

/** One log line per tenth of the work (and at the end). */
export function logProgress(log: Logger): SeedProgress {
  let total = 0;
  let nextTenth = 1;
  return {
    start(t) {
      total = t;
      nextTenth = 1;
    },
    update(done, rows, rate) {
      if (total === 0 || (done < total && done < (nextTenth * total) / 10)) return;
      while (nextTenth * total <= done * 10) nextTenth++;
      log.info('seeding demo data', { customers: done, of: total, rows, rowsPerSecond: Math.round(rate) });
    },
    stop() {},
  };
}

/** The bar when `stream` is a terminal, log lines otherwise. */
export function progressFor(log: Logger, stream: NodeJS.WriteStream = process.stderr): SeedProgress {
  return stream.isTTY ? barProgress(stream) : logProgress(log);
}
