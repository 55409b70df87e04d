/**
 * The database path reproduces the papers: the CDNOW purchase log (2,357 customers, 6,919 rows)
 * goes into PostgreSQL, `fitChurnModel` runs through the API with the calibration period of
 * Fader, Hardie & Lee (to 1997-09-30, weeks), and the stored parameters must be within 1 % of
 * the published BG/NBD and Gamma-Gamma estimates. The clock is fixed just after the log ends,
 * so the calibration end is in the past and scores are as of 1998-07-01.
 */
import { loadElog } from '../fixtures/cdnow/load';
import { startTestServer, type TestServer } from '../support/server';
import { FitChurnModelDocument, ValueTierReportDocument } from '../generated/graphql';

const CLOCK = { now: () => new Date('1998-07-01T00:00:00Z') };
// Fits and scores run for seconds on a busy machine; jest's default of 5 s is too tight.
jest.setTimeout(60_000);

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ clock: CLOCK });
  const elog = loadElog();
  const ids = [...new Set(elog.map((r) => r.customerId))];
  // Imported as DORMANT (an archive of 1997 buyers): the CHURN_RISK stage rule does not apply
  // to them, so this file measures the models, not two thousand stage moves.
  await server.ds.query(
    `INSERT INTO customer (external_id, name, stage, stage_entered_at, created_at, updated_at)
     SELECT 'cdnow-' || id, 'CDNOW customer ' || id, 'DORMANT', '1997-01-01', '1997-01-01', '1997-01-01' FROM unnest($1::int[]) AS id`,
    [ids],
  );
  // Noon UTC keeps every purchase on its calendar day whatever the reader's time zone.
  await server.ds.query(
    `INSERT INTO purchase (customer_id, occurred_at, quantity, amount)
     SELECT c.id, (r.day || 'T12:00:00Z')::timestamptz, r.quantity, r.amount
     FROM unnest($1::int[], $2::text[], $3::int[], $4::numeric[]) AS r(cdnow_id, day, quantity, amount)
     JOIN customer c ON c.external_id = 'cdnow-' || r.cdnow_id`,
    [elog.map((r) => r.customerId), elog.map((r) => r.date), elog.map((r) => r.quantity), elog.map((r) => r.amount.toFixed(2))],
  );
  await server.ds.query(
    `UPDATE customer c SET last_purchase_at = m.last FROM (SELECT customer_id, max(occurred_at) AS last FROM purchase GROUP BY 1) m WHERE m.customer_id = c.id`,
  );
});
afterAll(async () => {
  await server?.stop();
});

const within1Percent = (actual: number, published: number) => expect(Math.abs(actual / published - 1)).toBeLessThan(0.01);

describe('CDNOW through the database', () => {
  it('ingested the whole log', async () => {
    expect(await server.ds.query(`SELECT count(*)::int AS rows, count(DISTINCT customer_id)::int AS customers FROM purchase`)).toEqual([
      { rows: 6919, customers: 2357 },
    ]);
  });

  it('fitChurnModel (1997-09-30, WEEKS) stores the published parameters within 1 %', async () => {
    const { fitChurnModel } = await server.query(FitChurnModelDocument, {
      input: { calibrationEnd: '1997-09-30T00:00:00Z', timeUnit: 'WEEKS' },
    });
    const m = fitChurnModel.model;
    expect(m).toMatchObject({
      calibrationEnd: '1997-09-30T00:00:00.000Z',
      timeUnit: 'WEEKS',
      customerCount: 2357,
      repeatCustomerCount: 946,
      transactionCount: 2357 + 2457,
    });
    // BG/NBD: Fader, Hardie & Lee (2005), r = 0.243, α = 4.414, a = 0.793, b = 2.426, LL −9582.4.
    const [stored] = await server.ds.query(
      `SELECT bgnbd_r AS r, bgnbd_alpha AS alpha, bgnbd_a AS a, bgnbd_b AS b, bgnbd_log_likelihood AS ll,
              gg_p AS p, gg_q AS q, gg_gamma AS gamma, gg_customer_count AS gg_n, customer_count AS n, fit_ms
       FROM churn_model WHERE is_current`,
    );
    within1Percent(stored.r, 0.243);
    within1Percent(stored.alpha, 4.414);
    within1Percent(stored.a, 0.793);
    within1Percent(stored.b, 2.426);
    expect(stored.ll).toBeCloseTo(-9582.43, 1);
    // Gamma-Gamma: Fader & Hardie (2013), p = 6.25, q = 3.74, γ = 15.44 on the 946 repeat buyers.
    within1Percent(stored.p, 6.25);
    within1Percent(stored.q, 3.74);
    within1Percent(stored.gamma, 15.44);
    expect(stored.gg_n).toBe(946);
    // The API shows what is stored.
    expect(m.bgNbd).toMatchObject({ r: stored.r, alpha: stored.alpha, a: stored.a, b: stored.b });
    expect(m.gammaGamma).toMatchObject({ p: stored.p, q: stored.q, gamma: stored.gamma, customerCount: 946 });
    expect(fitChurnModel.scoredCustomers).toBe(2357);
    expect(fitChurnModel.movedToAtRisk).toBe(0);
  });

  it('splits the 2,357 customers into tiers of 471 / 1,415 / 471', async () => {
    const { valueTiers } = await server.query(ValueTierReportDocument);
    expect(valueTiers!.tiers.map((t) => t.customerCount)).toEqual([471, 1415, 471]);
    const [{ revenue }] = await server.ds.query(`SELECT sum(amount)::text AS revenue FROM purchase`);
    expect(valueTiers!.revenue).toBe(revenue);
  });
});
