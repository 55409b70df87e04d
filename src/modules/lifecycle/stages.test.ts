import {
  ALL_STAGES,
  AUTOMATIC_MOVES,
  LifecycleStage,
  STAGE_TRANSITIONS,
  StageChangeTrigger,
  allowedTransitions,
  automaticMove,
  canTransition,
  describeTransitionTable,
} from './stages';

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

  it('lists each target once per stage', () => {
    for (const s of ALL_STAGES) expect(new Set(allowedTransitions(s)).size).toBe(allowedTransitions(s).length);
  });

  it('lets every stage but CHURNED leave for CHURNED, and nothing but REACTIVATED leave CHURNED', () => {
    for (const s of ALL_STAGES.filter((x) => x !== LifecycleStage.CHURNED)) expect(allowedTransitions(s)).toContain(LifecycleStage.CHURNED);
    expect(allowedTransitions(LifecycleStage.CHURNED)).toEqual([LifecycleStage.REACTIVATED]);
  });

  it('applies every automatic move exactly from its listed stages, for every stage', () => {
    for (const [trigger, move] of Object.entries(AUTOMATIC_MOVES)) {
      for (const s of ALL_STAGES) {
        expect({ trigger, s, to: automaticMove(trigger as Exclude<StageChangeTrigger, 'MANUAL'>, s) }).toEqual({
          trigger,
          s,
          to: move.from.includes(s) ? move.to : null,
        });
      }
    }
  });

  it('reaches REACTIVATED only from DORMANT or CHURNED', () => {
    const into = ALL_STAGES.filter((s) => STAGE_TRANSITIONS[s].includes(LifecycleStage.REACTIVATED));
    expect(into.sort()).toEqual([LifecycleStage.CHURNED, LifecycleStage.DORMANT]);
  });

  it('describes the whole table, one line per stage', () => {
    const lines = describeTransitionTable().split('\n');
    expect(lines).toHaveLength(ALL_STAGES.length);
    expect(lines[0]).toBe('IDENTIFIED → ACQUIRED, CONVERTED, CHURNED');
  });
});
