/**
 * `npm run analytics:fit -- [--calibration-end YYYY-MM-DD] [--time-unit WEEKS]`: fits the churn
 * models on the purchase log, scores every customer, and makes the new model current, the same
 * as the `fitChurnModel` mutation, with a progress bar (or log lines when not on a terminal).
 * Run it nightly: scores age (P(alive) falls while nobody buys) and only a run refreshes them all.
 */
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { runCli, withDatabase } from './run';
import { ChurnModelService, type FitPhase, type FitProgress } from '../modules/analytics/churn-model.service';
import { ChurnModelTimeUnit } from '../modules/analytics/analytics.enums';
import { systemClock } from '../shared/clock';
import type { Logger } from '../shared/logger';

const USAGE = `Usage: npm run analytics:fit -- [--calibration-end YYYY-MM-DD] [--time-unit DAYS|WEEKS|MONTHS]

  --calibration-end DAY  last day (UTC) of the purchases the models learn from (default: today)
  --time-unit UNIT       time unit of the fitted parameters (default: WEEKS)
  --help                 show this text

Connects to DATABASE_URL, or starts the embedded PostgreSQL under DATA_DIR.`;

const PHASE_LABEL: Record<FitPhase, string> = {
  reading: 'Reading purchases ',
  fitting: 'Fitting models    ',
  scoring: 'Scoring customers ',
  ranking: 'Ranking tiers     ',
  activating: 'Activating model  ',
  moving: 'Moving to AT_RISK ',
};

/** One bar per phase on a terminal; a log line per phase (and per tenth of scoring) otherwise. */
function progress(log: Logger, stream: NodeJS.WriteStream = process.stderr): { update: FitProgress; stop(): void } {
  if (!stream.isTTY) {
    let lastTenth = -1;
    return {
      update(phase, done, total) {
        const tenth = total > 0 ? Math.floor((done * 10) / total) : 10;
        if (done === 0) lastTenth = -1;
        if (tenth !== lastTenth && (done === 0 || phase === 'scoring' || done === total)) log.info('analytics fit', { phase, done, total });
        lastTenth = tenth;
      },
      stop() {},
    };
  }
  const bars = new cliProgress.MultiBar(
    {
      stream,
      format: '{label} [{bar}] {percentage}% | {value}/{total} | {duration_formatted}',
      hideCursor: true,
      clearOnComplete: false,
      fps: 10,
    },
    cliProgress.Presets.shades_classic,
  );
  const byPhase = new Map<FitPhase, cliProgress.SingleBar>();
  return {
    update(phase, done, total) {
      let bar = byPhase.get(phase);
      if (!bar) {
        bar = bars.create(Math.max(total, 1), 0, { label: PHASE_LABEL[phase] });
        byPhase.set(phase, bar);
      }
      bar.setTotal(Math.max(total, 1));
      bar.update(total === 0 ? 1 : done);
    },
    stop: () => bars.stop(),
  };
}

async function run(): Promise<number> {
  const { values } = parseArgs({
    options: {
      'calibration-end': { type: 'string' },
      'time-unit': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    allowPositionals: false,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  let calibrationEnd: Date | null = null;
  if (values['calibration-end'] !== undefined) {
    calibrationEnd = /^\d{4}-\d{2}-\d{2}$/.test(values['calibration-end'])
      ? new Date(`${values['calibration-end']}T00:00:00Z`)
      : new Date(Number.NaN);
    if (Number.isNaN(calibrationEnd.getTime())) {
      console.error(`--calibration-end must be a day such as 2024-12-31, got "${values['calibration-end']}"\n\n${USAGE}`);
      return 2;
    }
  }
  const unit = (values['time-unit'] ?? 'WEEKS').toUpperCase();
  if (!(unit in ChurnModelTimeUnit)) {
    console.error(`--time-unit must be DAYS, WEEKS or MONTHS, got "${values['time-unit']}"\n\n${USAGE}`);
    return 2;
  }

  return withDatabase({ applicationName: 'customer-graph-analytics-fit' }, async ({ ds, log }) => {
    const bar = progress(log);
    try {
      const service = new ChurnModelService(ds, systemClock, { log });
      const started = Date.now();
      const result = await service.fit({ calibrationEnd, timeUnit: unit as ChurnModelTimeUnit }, bar.update);
      bar.stop();
      const m = result.model;
      const f = (v: number, digits = 4) => v.toFixed(digits);
      console.log(
        [
          `Fitted churn model ${m.id} on purchases to ${m.calibrationEnd} (${m.timeUnit}) and made it current.`,
          `  customers in fit     ${m.customerCount} (${m.repeatCustomerCount} repeat buyers, ${m.transactionCount} transactions)`,
          `  BG/NBD               r ${f(m.bgnbdR)}  alpha ${f(m.bgnbdAlpha)}  a ${f(m.bgnbdA)}  b ${f(m.bgnbdB)}  LL ${f(m.bgnbdLogLikelihood, 2)}`,
          `  Gamma-Gamma          p ${f(m.ggP)}  q ${f(m.ggQ)}  gamma ${f(m.ggGamma)}  LL ${f(m.ggLogLikelihood, 2)}  (${m.ggCustomerCount} customers)`,
          `  fit time             ${f(m.fitMs, 1)} ms`,
          `  scored               ${result.scoredCustomers} customers in ${f(m.scoringMs ?? 0, 0)} ms`,
          `  moved to AT_RISK     ${result.movedToAtRisk}`,
          `  total                ${((Date.now() - started) / 1000).toFixed(1)} s`,
        ].join('\n'),
      );
      return 0;
    } finally {
      // Errors (printed by runCli) must not land in the middle of a progress bar.
      bar.stop();
    }
  });
}

runCli(run);
