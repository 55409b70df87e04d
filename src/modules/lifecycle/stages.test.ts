import { ALL_STAGES, AUTOMATIC_MOVES, LifecycleStage, STAGE_TRANSITIONS, StageChangeTrigger, automaticMove, canTransition } from './stages';

describe('lifecycle stage table', () => {
  it('lists a row for every stage and only known stages as targets', () => {
    expect(Object.keys(STAGE_TRANSITIONS).sort()).toEqual([...ALL_STAGES].sort());
    for (const targets of Object.values(STAGE_TRANSITIONS)) {
      for (const t of targets) expect(ALL_STAGES).toContain(t);
    }
  });

  it('never allows a move to the same stage', () => {
    for (const s of ALL_STAGES) expect(canTransition(s, s)).toBe(false);
  });

  it('lets every stage be reached from IDENTIFIED', () => {
    const seen = new Set<LifecycleStage>([LifecycleStage.IDENTIFIED]);
    const queue = [LifecycleStage.IDENTIFIED];
    while (queue.length) {
      for (const next of STAGE_TRANSITIONS[queue.shift()!]) {
        if (!seen.has(next)) {
          seen.add(next);
          queue.push(next);
        }
      }
    }
    expect([...seen].sort()).toEqual([...ALL_STAGES].sort());
  });

  it('only comes back from CHURNED through REACTIVATED', () => {
    expect(STAGE_TRANSITIONS.CHURNED).toEqual([LifecycleStage.REACTIVATED]);
    expect(canTransition(LifecycleStage.CHURNED, LifecycleStage.RETAINED)).toBe(false);
  });

  it('has automatic moves that the table itself allows', () => {
    for (const move of Object.values(AUTOMATIC_MOVES)) {
      for (const from of move.from) expect(canTransition(from, move.to)).toBe(true);
    }
  });

  it('applies automatic moves only from their listed stages', () => {
    expect(automaticMove(StageChangeTrigger.FIRST_PURCHASE, LifecycleStage.ACQUIRED)).toBe(LifecycleStage.CONVERTED);
    expect(automaticMove(StageChangeTrigger.FIRST_PURCHASE, LifecycleStage.IDENTIFIED)).toBe(LifecycleStage.CONVERTED);
    expect(automaticMove(StageChangeTrigger.FIRST_PURCHASE, LifecycleStage.RETAINED)).toBeNull();
    expect(automaticMove(StageChangeTrigger.PURCHASE_AFTER_LAPSE, LifecycleStage.DORMANT)).toBe(LifecycleStage.REACTIVATED);
    expect(automaticMove(StageChangeTrigger.FIRST_REFERRAL, LifecycleStage.IDENTIFIED)).toBeNull();
    expect(automaticMove(StageChangeTrigger.CHURN_RISK, LifecycleStage.AT_RISK)).toBeNull();
  });
});
