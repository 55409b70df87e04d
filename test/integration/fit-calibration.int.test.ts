/**
 * A fit whose calibration ends today (the default) reads the purchase log once: the calibration
 * summaries come from the scoring inputs (analytics.data calibrationRowsOf), which must give exactly
 * what loadCalibrationSummaries computes, and so exactly the same models. A purchase dated later that
 * day is in the calibration but not in the scoring inputs: then the summaries are read on their own.
 */
import { fitBgNbd, fitGammaGamma } from '../../src/analytics';
import {
  calibrationRowsOf,
  dayNumber,
  loadCalibrationSummaries,
  loadScoringInputs,
  purchasingCustomerIds,
} from '../../src/modules/analytics/analytics.data';
import { ChurnModelService } from '../../src/modules/analytics/churn-model.service';
import { systemClock, type Clock } from '../../src/shared/clock';
import { startTestServer, type TestServer } from '../support/server';

jest.setTimeout(60_000);

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ poolSize: 4 });
  // 60 customers: two in five buying every 9 to 14 days until a few days ago, the others every 20 days
  // until about a year ago; some buy twice on one day, amounts vary, and one in seven bought only once.
  await server.ds.query(
    `WITH added AS (
       INSERT INTO customer (name, stage, stage_entered_at)
       SELECT 'Buyer ' || g, 'RETAINED', now() - interval '2 years' FROM generate_series(1, 60) g RETURNING id
     )
     INSERT INTO purchase (customer_id, occurred_at, quantity, amount)
     SELECT a.id,
            CASE WHEN a.id % 5 < 2 THEN now() - ((3 + (a.id % 5) + (9 + a.id % 6) * k) || ' days')::interval
                 ELSE now() - ((360 + (a.id % 7) + 20 * k) || ' days')::interval END
              + CASE WHEN k % 4 = 3 THEN interval '0 hours' ELSE (k % 3) * interval '1 hour' END,
            1, 5 + (a.id % 11) * 3.25 + (k % 4) * 1.5
     FROM added a CROSS JOIN generate_series(0, 11) k
     WHERE a.id % 7 <> 0 OR k = 0`,
  );
  await server.ds.query(`UPDATE customer c SET last_purchase_at = (SELECT max(occurred_at) FROM purchase p WHERE p.customer_id = c.id)`);
});
afterAll(async () => {
  await server?.stop();
});

const isCalibrationRead = (sql: string) => sql.includes('AS repeat_spend');
const todayAt = (hour: number) => new Date((dayNumber(new Date()) * 24 + hour) * 3_600_000);

describe('the calibration of a fit that ends today', () => {
  it('summarises the scoring inputs into exactly the rows the calibration read gives', async () => {
    const asOf = new Date();
    const today = dayNumber(asOf);
    const inputs = await loadScoringInputs(server.ds.manager, await purchasingCustomerIds(server.ds.manager), asOf);
    const read = await loadCalibrationSummaries(server.ds.manager, today);
    expect(read.length).toBe(60);
    expect(read.filter((r) => r.x === 0).length).toBeGreaterThan(0);
    expect(calibrationRowsOf(inputs, today)).toEqual(read);
  });

  it('fits, without reading the summaries, exactly the models the summaries give', async () => {
    server.counter.reset();
    const { model } = await new ChurnModelService(server.ds, systemClock).fit({});
    expect(server.counter.statements.some(isCalibrationRead)).toBe(false);
    const rows = await loadCalibrationSummaries(server.ds.manager, dayNumber(new Date()));
    const unit = 7;
    const bg = fitBgNbd(rows.map((r) => ({ frequency: r.x, recency: r.recencyDays / unit, T: r.ageDays / unit })));
    const gg = fitGammaGamma(rows.map((r) => ({ frequency: r.x, monetaryValue: r.x > 0 ? r.repeatSpend / r.x : 0 })));
    expect([model.bgnbdR, model.bgnbdAlpha, model.bgnbdA, model.bgnbdB]).toEqual([bg.params.r, bg.params.alpha, bg.params.a, bg.params.b]);
    expect([model.ggP, model.ggQ, model.ggGamma]).toEqual([gg.params.p, gg.params.q, gg.params.gamma]);
    expect(model.customerCount).toBe(60);
  });

  it('reads the summaries itself when a purchase is dated later that day, and learns from it', async () => {
    // The fit runs "at noon" today; a new customer's only purchase is dated 18:00 (a day ahead is allowed).
    const noon: Clock = { now: () => todayAt(12) };
    await server.ds.query(
      `WITH c AS (INSERT INTO customer (name, stage, stage_entered_at) VALUES ('Evening buyer', 'IDENTIFIED', now()) RETURNING id)
       INSERT INTO purchase (customer_id, occurred_at, quantity, amount) SELECT id, $1, 1, 12.00 FROM c`,
      [todayAt(18)],
    );
    server.counter.reset();
    const result = await new ChurnModelService(server.ds, noon).fit({});
    expect(server.counter.statements.some(isCalibrationRead)).toBe(true);
    // The calibration holds the evening buyer; the scores, as of noon, do not (every seeded purchase is
    // at least two days old).
    expect(result.model.customerCount).toBe(61);
    expect(result.scoredCustomers).toBe(60);
  });
});
