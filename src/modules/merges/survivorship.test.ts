import { LifecycleStage } from '../lifecycle/stages';
import { survivorValues, type Profile } from './survivorship';

const profile = (id: string, o: Partial<Profile> = {}): Profile => ({
  id,
  name: `Name ${id}`,
  email: `${id}@example.com`,
  phone: null,
  externalId: null,
  personaId: null,
  stage: LifecycleStage.IDENTIFIED,
  stageEnteredAt: new Date('2026-01-01T00:00:00Z'),
  lastPurchaseAt: null,
  ...o,
});

describe('survivorship', () => {
  it("keeps the survivor's values unless keep names another profile", () => {
    const v = survivorValues(profile('1'), [profile('2', { phone: '+1 555 010 2030' })], { email: '2' });
    expect(v).toMatchObject({ name: 'Name 1', email: '2@example.com' });
    expect(v.keptFrom).toMatchObject({ name: '1', email: '2' });
  });

  it('fills a value the survivor lacks from the first merged profile that has one, in the order given', () => {
    const v = survivorValues(
      profile('1'),
      [profile('2'), profile('3', { phone: '333', personaId: '9' }), profile('4', { phone: '444' })],
      {},
    );
    expect(v).toMatchObject({ phone: '333', personaId: '9' });
    expect(v.keptFrom).toMatchObject({ phone: '3', persona: '3' });
  });

  it('keeps a chosen null: keep names whose value survives, even an empty one', () => {
    const v = survivorValues(profile('1', { phone: '111' }), [profile('2')], { phone: '2' });
    expect(v.phone).toBeNull();
  });

  it('takes the most recently entered stage, the survivor winning a tie, and the latest purchase', () => {
    const at = (d: string) => new Date(`${d}T00:00:00Z`);
    const v = survivorValues(
      profile('1', { stage: LifecycleStage.RETAINED, stageEnteredAt: at('2026-02-01'), lastPurchaseAt: at('2026-01-15') }),
      [
        profile('2', { stage: LifecycleStage.AT_RISK, stageEnteredAt: at('2026-03-01'), lastPurchaseAt: at('2026-02-20') }),
        profile('3', { stage: LifecycleStage.CHURNED, stageEnteredAt: at('2026-03-01') }),
      ],
      {},
    );
    expect(v).toMatchObject({ stage: LifecycleStage.AT_RISK, stageEnteredAt: at('2026-03-01'), lastPurchaseAt: at('2026-02-20') });
    expect(v.keptFrom.stage).toBe('2');
    const tie = survivorValues(profile('1', { stage: LifecycleStage.RETAINED }), [profile('2', { stage: LifecycleStage.CHURNED })], {});
    expect(tie.stage).toBe(LifecycleStage.RETAINED);
    expect(survivorValues(profile('1'), [profile('2')], {}).lastPurchaseAt).toBeNull();
  });
});
