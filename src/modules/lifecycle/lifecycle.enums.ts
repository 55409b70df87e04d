import { registerEnumType } from 'type-graphql';
import { AUTOMATIC_MOVES, LifecycleStage, STAGE_DESCRIPTIONS, STAGE_TRANSITIONS, StageChangeTrigger } from '../../lifecycle/stages';

export { LifecycleStage, StageChangeTrigger };

registerEnumType(LifecycleStage, {
  name: 'LifecycleStage',
  description:
    'Where a customer is in their journey. Allowed moves (anything else is INVALID_STAGE_TRANSITION):\n' +
    Object.entries(STAGE_TRANSITIONS)
      .map(([from, to]) => `- ${from} → ${to.join(', ')}`)
      .join('\n'),
  valuesConfig: Object.fromEntries(
    Object.entries(STAGE_DESCRIPTIONS).map(([stage, description]) => [stage, { description: `${description} May move to: ${STAGE_TRANSITIONS[stage as LifecycleStage].join(', ')}.` }]),
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
