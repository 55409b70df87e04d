/**
 * Lifecycle journeys for demo customers: which stages a customer went
 * through (always a valid walk through the stage table in
 * src/modules/lifecycle/stages.ts) and when. Pure functions of a random source.
 */
import { canTransition, LifecycleStage } from '../../modules/lifecycle/stages';
import type { Rng } from './random';

const S = LifecycleStage;

/** How the demo population is spread over current stages (relative weights; every stage is present). */
export const STAGE_MIX: Readonly<Record<LifecycleStage, number>> = {
  IDENTIFIED: 6,
  ACQUIRED: 7,
  CONVERTED: 4,
  ONBOARDED: 7,
  EXPANDING: 10,
  RETAINED: 20,
  AT_RISK: 10,
  DORMANT: 10,
  CHURNED: 12,
  REACTIVATED: 6,
  ADVOCATE: 8,
};

/** Stages a customer drifts through on the way out. */
export const DRIFT_STAGES: ReadonlySet<LifecycleStage> = new Set([S.AT_RISK, S.DORMANT, S.CHURNED]);

/**
 * A walk from IDENTIFIED to `target` that the stage table allows. Most paths
 * are the textbook journey (identify → acquire → convert → onboard → expand
 * or retain); some include a wobble (at risk, then saved), a lapse and
 * return (dormant or churned, then reactivated), or a prospect who never
 * bought. Throws if it ever produced a move the table forbids.
 */
export function planStagePath(rng: Rng, target: LifecycleStage): LifecycleStage[] {
  const path: LifecycleStage[] = [S.IDENTIFIED];
  const last = () => path[path.length - 1];
  const go = (to: LifecycleStage) => {
    if (!canTransition(last(), to)) throw new Error(`demo journey tried ${last()} → ${to}, which the stage table forbids`);
    path.push(to);
  };
  /** One step of a healthy customer's life: expand, settle, advocate, or a dip into AT_RISK and back. */
  const activeStep = () => {
    if (last() === S.AT_RISK) {
      go(rng.chance(0.6) ? S.RETAINED : S.EXPANDING);
      return;
    }
    const weights: Partial<Record<LifecycleStage, number>> = {};
    for (const [stage, w] of [
      [S.EXPANDING, 3],
      [S.RETAINED, 4],
      [S.ADVOCATE, 1],
      [S.AT_RISK, 1],
    ] as const) {
      if (stage !== last() && canTransition(last(), stage)) weights[stage] = w;
    }
    const to = rng.weighted(weights);
    go(to);
    // A dip is always followed by recovery here; a lasting drift is the target's business.
    if (to === S.AT_RISK) go(rng.chance(0.6) ? S.RETAINED : S.EXPANDING);
  };
  /** Leaves the active stages for DORMANT or CHURNED, usually through AT_RISK. */
  const drift = (to: typeof S.DORMANT | typeof S.CHURNED) => {
    if (to === S.DORMANT) {
      if (last() !== S.AT_RISK && rng.chance(0.7)) go(S.AT_RISK);
      go(S.DORMANT);
      return;
    }
    const r = rng.float();
    if (r < 0.45) {
      if (last() !== S.AT_RISK) go(S.AT_RISK);
      go(S.DORMANT);
    } else if (r < 0.8 && last() !== S.AT_RISK) {
      go(S.AT_RISK);
    }
    go(S.CHURNED);
  };
  /** Reaches a healthy target from a healthy stage, through RETAINED when there is no direct move. */
  const reach = (to: LifecycleStage) => {
    if (last() === to) return;
    if (!canTransition(last(), to)) go(S.RETAINED);
    go(to);
  };

  if (target === S.IDENTIFIED) return path;
  if (target === S.CHURNED && rng.chance(0.12)) {
    go(S.CHURNED); // a prospect who said no before any conversation
    return path;
  }
  go(S.ACQUIRED);
  if (target === S.ACQUIRED) return path;
  if (target === S.CHURNED && rng.chance(0.1)) {
    go(S.CHURNED);
    return path;
  }
  if (target === S.DORMANT && rng.chance(0.2)) {
    go(S.DORMANT); // a lead that went cold without buying
    return path;
  }
  go(S.CONVERTED);
  if (target === S.CONVERTED) return path;
  if (target === S.ONBOARDED || rng.chance(0.85)) go(S.ONBOARDED);
  if (target === S.ONBOARDED) return path;

  const steps = rng.int(0, 3);
  for (let i = 0; i < steps; i++) activeStep();
  if ((target === S.EXPANDING || target === S.RETAINED || target === S.ADVOCATE || target === S.AT_RISK) && rng.chance(0.12)) {
    drift(rng.chance(0.6) ? S.DORMANT : S.CHURNED);
    go(S.REACTIVATED);
    if (rng.chance(0.5)) activeStep();
  }
  switch (target) {
    case S.EXPANDING:
    case S.RETAINED:
    case S.ADVOCATE:
      reach(target);
      break;
    case S.AT_RISK:
      if (last() === S.AT_RISK) go(S.RETAINED);
      go(S.AT_RISK);
      break;
    case S.DORMANT:
    case S.CHURNED:
      drift(target);
      break;
    case S.REACTIVATED:
      drift(rng.chance(0.5) ? S.DORMANT : S.CHURNED);
      go(S.REACTIVATED);
      break;
    default:
      throw new Error(`no demo journey to ${target}`);
  }
  return path;
}

const DAY_MS = 86_400_000;

/** Days spent in a stage before moving on, [min, max]. */
const DWELL_DAYS: Readonly<Record<LifecycleStage, readonly [number, number]>> = {
  IDENTIFIED: [2, 60],
  ACQUIRED: [3, 45],
  CONVERTED: [3, 21],
  ONBOARDED: [20, 90],
  EXPANDING: [60, 240],
  RETAINED: [90, 420],
  ADVOCATE: [60, 300],
  AT_RISK: [20, 100],
  DORMANT: [90, 270],
  CHURNED: [90, 420],
  REACTIVATED: [30, 120],
};

/** Days since entering the stage the customer is in now, [min, max]. */
const CURRENT_DAYS: Readonly<Record<LifecycleStage, readonly [number, number]>> = {
  IDENTIFIED: [1, 90],
  ACQUIRED: [1, 60],
  CONVERTED: [1, 14],
  ONBOARDED: [5, 90],
  EXPANDING: [10, 180],
  RETAINED: [20, 365],
  ADVOCATE: [20, 365],
  AT_RISK: [5, 90],
  DORMANT: [20, 300],
  CHURNED: [10, 540],
  REACTIVATED: [3, 90],
};

/** The oldest demo history reaches back this far. */
export const MAX_HISTORY_DAYS = 5 * 365;

/**
 * When the customer entered each stage of `path` (epoch ms, strictly
 * increasing, whole seconds, all before `nowMs`). The last stage has lasted
 * until now; long journeys are compressed to fit MAX_HISTORY_DAYS.
 */
export function stageTimes(rng: Rng, path: readonly LifecycleStage[], nowMs: number): number[] {
  const dwell = path.slice(0, -1).map((s) => rng.between(DWELL_DAYS[s][0], DWELL_DAYS[s][1]));
  const [cMin, cMax] = CURRENT_DAYS[path[path.length - 1]];
  const current = rng.between(cMin, cMax);
  const dwellTotal = dwell.reduce((a, b) => a + b, 0);
  const scale = dwellTotal + current > MAX_HISTORY_DAYS ? (MAX_HISTORY_DAYS - current) / dwellTotal : 1;
  const times: number[] = [];
  let t = nowMs - (dwellTotal * scale + current) * DAY_MS;
  for (let i = 0; i < path.length; i++) {
    times.push(Math.floor(t / 1000) * 1000);
    if (i < dwell.length) t += dwell[i] * scale * DAY_MS;
  }
  return times;
}
