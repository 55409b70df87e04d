/**
 * The lifecycle stages a customer moves through, and the one table of moves
 * that are allowed. Pure data and functions: no I/O, so it is unit-tested and
 * documented in the schema straight from this table. The enums are registered
 * with type-graphql here, so this file is the one way to import them.
 */
import { registerEnumType } from 'type-graphql';

export enum LifecycleStage {
  IDENTIFIED = 'IDENTIFIED',
  ACQUIRED = 'ACQUIRED',
  CONVERTED = 'CONVERTED',
  ONBOARDED = 'ONBOARDED',
  EXPANDING = 'EXPANDING',
  RETAINED = 'RETAINED',
  AT_RISK = 'AT_RISK',
  DORMANT = 'DORMANT',
  CHURNED = 'CHURNED',
  REACTIVATED = 'REACTIVATED',
  ADVOCATE = 'ADVOCATE',
}

export const ALL_STAGES: readonly LifecycleStage[] = Object.values(LifecycleStage);

/** What each stage means, in the words of the customer-journey texts. */
export const STAGE_DESCRIPTIONS: Record<LifecycleStage, string> = {
  IDENTIFIED: 'A prospect who has become aware of a need and is known to us, but has not engaged yet.',
  ACQUIRED: 'A lead we have engaged (a first conversation, sign-up or reply) who has not bought yet.',
  CONVERTED: 'Made a first purchase.',
  ONBOARDED: 'Welcomed and set up after the first purchase; communication preferences known.',
  EXPANDING: 'Buying more: cross-sell or up-sell is under way.',
  RETAINED: 'A steady repeat customer.',
  AT_RISK: 'Showing signs of leaving: fewer purchases, less spend, or negative responses.',
  DORMANT: 'Has not bought or engaged for a long time, but has not explicitly left.',
  CHURNED: 'Gone: closed the account or stopped buying altogether.',
  REACTIVATED: 'A dormant or churned customer who came back.',
  ADVOCATE: 'A loyal customer who recommends us and refers others.',
};

const ACTIVE_EXITS = [LifecycleStage.AT_RISK, LifecycleStage.DORMANT, LifecycleStage.CHURNED] as const;

/**
 * The allowed moves: `from` → the stages it may go to. Anything not listed is
 * rejected with INVALID_STAGE_TRANSITION. A move to the current stage is never
 * allowed (it would write a meaningless history row).
 */
export const STAGE_TRANSITIONS: Readonly<Record<LifecycleStage, readonly LifecycleStage[]>> = {
  // A prospect may buy before we ever engaged them (a walk-in): straight to CONVERTED.
  IDENTIFIED: [LifecycleStage.ACQUIRED, LifecycleStage.CONVERTED, LifecycleStage.CHURNED],
  ACQUIRED: [LifecycleStage.CONVERTED, LifecycleStage.DORMANT, LifecycleStage.CHURNED],
  CONVERTED: [LifecycleStage.ONBOARDED, LifecycleStage.EXPANDING, LifecycleStage.RETAINED, ...ACTIVE_EXITS],
  ONBOARDED: [LifecycleStage.EXPANDING, LifecycleStage.RETAINED, LifecycleStage.ADVOCATE, ...ACTIVE_EXITS],
  EXPANDING: [LifecycleStage.RETAINED, LifecycleStage.ADVOCATE, ...ACTIVE_EXITS],
  RETAINED: [LifecycleStage.EXPANDING, LifecycleStage.ADVOCATE, ...ACTIVE_EXITS],
  AT_RISK: [LifecycleStage.RETAINED, LifecycleStage.EXPANDING, LifecycleStage.DORMANT, LifecycleStage.CHURNED],
  DORMANT: [LifecycleStage.REACTIVATED, LifecycleStage.CHURNED],
  CHURNED: [LifecycleStage.REACTIVATED],
  REACTIVATED: [LifecycleStage.ONBOARDED, LifecycleStage.EXPANDING, LifecycleStage.RETAINED, LifecycleStage.ADVOCATE, ...ACTIVE_EXITS],
  ADVOCATE: [LifecycleStage.EXPANDING, LifecycleStage.RETAINED, ...ACTIVE_EXITS],
};

export function allowedTransitions(from: LifecycleStage): readonly LifecycleStage[] {
  return STAGE_TRANSITIONS[from];
}

export function canTransition(from: LifecycleStage, to: LifecycleStage): boolean {
  return STAGE_TRANSITIONS[from].includes(to);
}

/** Why a stage changed: a person or partner asked for it, or a rule moved it. */
export enum StageChangeTrigger {
  MANUAL = 'MANUAL',
  FIRST_PURCHASE = 'FIRST_PURCHASE',
  PURCHASE_AFTER_LAPSE = 'PURCHASE_AFTER_LAPSE',
  FIRST_REFERRAL = 'FIRST_REFERRAL',
  CHURN_RISK = 'CHURN_RISK',
}

/**
 * Automatic moves, applied by the services when the event happens and the
 * table allows the move. Each writes a stage-history row like a manual move.
 */
export const AUTOMATIC_MOVES: Readonly<
  Record<Exclude<StageChangeTrigger, 'MANUAL'>, { from: readonly LifecycleStage[]; to: LifecycleStage; description: string }>
> = {
  FIRST_PURCHASE: {
    from: [LifecycleStage.IDENTIFIED, LifecycleStage.ACQUIRED],
    to: LifecycleStage.CONVERTED,
    description: 'The first purchase recorded for an IDENTIFIED or ACQUIRED customer moves them to CONVERTED.',
  },
  PURCHASE_AFTER_LAPSE: {
    from: [LifecycleStage.DORMANT, LifecycleStage.CHURNED],
    to: LifecycleStage.REACTIVATED,
    description: 'A purchase by a DORMANT or CHURNED customer moves them to REACTIVATED.',
  },
  FIRST_REFERRAL: {
    from: [LifecycleStage.ONBOARDED, LifecycleStage.EXPANDING, LifecycleStage.RETAINED, LifecycleStage.REACTIVATED],
    to: LifecycleStage.ADVOCATE,
    description: 'The first referral a customer makes moves them to ADVOCATE, from ONBOARDED, EXPANDING, RETAINED or REACTIVATED.',
  },
  CHURN_RISK: {
    from: [
      LifecycleStage.CONVERTED,
      LifecycleStage.ONBOARDED,
      LifecycleStage.EXPANDING,
      LifecycleStage.RETAINED,
      LifecycleStage.REACTIVATED,
      LifecycleStage.ADVOCATE,
    ],
    to: LifecycleStage.AT_RISK,
    description: 'A churn-risk score that rises into HIGH or CRITICAL moves an active customer to AT_RISK.',
  },
};

/** The stage an automatic trigger moves a customer in `current` to, or null when it does not apply. */
export function automaticMove(trigger: Exclude<StageChangeTrigger, 'MANUAL'>, current: LifecycleStage): LifecycleStage | null {
  const move = AUTOMATIC_MOVES[trigger];
  return move.from.includes(current) && canTransition(current, move.to) ? move.to : null;
}

/** Renders the table as Markdown-ish text for schema descriptions. */
export function describeTransitionTable(): string {
  return ALL_STAGES.map((s) => `${s} → ${STAGE_TRANSITIONS[s].join(', ')}`).join('\n');
}

registerEnumType(LifecycleStage, {
  name: 'LifecycleStage',
  description:
    'Where a customer is in their journey. Allowed moves (anything else is INVALID_STAGE_TRANSITION):\n' +
    Object.entries(STAGE_TRANSITIONS)
      .map(([from, to]) => `- ${from} → ${to.join(', ')}`)
      .join('\n'),
  valuesConfig: Object.fromEntries(
    Object.entries(STAGE_DESCRIPTIONS).map(([stage, description]) => [
      stage,
      { description: `${description} May move to: ${STAGE_TRANSITIONS[stage as LifecycleStage].join(', ')}.` },
    ]),
  ),
});

registerEnumType(StageChangeTrigger, {
  name: 'StageChangeTrigger',
  description: 'What caused a stage change: a manual request or one of the automatic rules.',
  valuesConfig: {
    MANUAL: { description: 'Requested through `transitionCustomerStage`.' },
    FIRST_PURCHASE: { description: AUTOMATIC_MOVES.FIRST_PURCHASE.description },
    PURCHASE_AFTER_LAPSE: { description: AUTOMATIC_MOVES.PURCHASE_AFTER_LAPSE.description },
    FIRST_REFERRAL: { description: AUTOMATIC_MOVES.FIRST_REFERRAL.description },
    CHURN_RISK: { description: AUTOMATIC_MOVES.CHURN_RISK.description },
  },
});
