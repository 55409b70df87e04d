/**
 * analyzeIfGrown (db/statistics.ts): a transaction that grew a table refreshes its planner
 * statistics, which its own later statements plan with; small or relatively small growth does not.
 */
import { inTransaction } from '../../src/db/transaction';
import { analyzeIfGrown } from '../../src/db/statistics';
import { startTestServer, type TestServer } from '../support/server';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
  await server.ds.query(`CREATE TABLE statistics_probe (id int PRIMARY KEY, gone timestamptz)`);
  await server.ds.query(`ANALYZE statistics_probe`);
});
afterAll(async () => {
  await server?.ds.query(`DROP TABLE IF EXISTS statistics_probe`).catch(() => undefined);
  await server?.stop();
});

type Em = Parameters<Parameters<typeof inTransaction>[1]>[0];
const estimate = async (em: Em) =>
  Number((await em.query(`SELECT reltuples AS n FROM pg_class WHERE oid = 'statistics_probe'::regclass`))[0].n);
const insert = (em: Em, from: number, to: number) =>
  em.query(`INSERT INTO statistics_probe SELECT i, NULL FROM generate_series($1::int, $2::int) i`, [from, to]);
/** The planner's row estimate for the rows with no `gone`: every row, once the statistics know the column. */
const plannedRows = async (em: Em) => {
  const [{ 'QUERY PLAN': plan }] = await em.query(`EXPLAIN (FORMAT JSON) SELECT * FROM statistics_probe WHERE gone IS NULL`);
  return plan[0].Plan['Plan Rows'] as number;
};

describe('analyzeIfGrown', () => {
  it("refreshes the statistics of a table the transaction grew, in that transaction's view", async () => {
    await inTransaction(server.ds, async (em) => {
      await insert(em, 1, 2000);
      expect(await plannedRows(em)).toBeLessThan(100);
      expect(await analyzeIfGrown(em, 'statistics_probe', 2000)).toBe(true);
      expect(await estimate(em)).toBe(2000);
      expect(await plannedRows(em)).toBe(2000);
      throw new Error('roll back');
    }).catch((err: Error) => expect(err.message).toBe('roll back'));
    // pg_class's estimate is written in place, not transactionally: it outlives the rollback until the
    // table is analyzed again (autovacuum does so after the aborted rows). Erring high is harmless.
    expect(await estimate(server.ds.manager)).toBe(2000);
  });

  it('leaves the statistics alone for fewer than 500 new rows, or growth within a fifth of the estimate', async () => {
    await server.ds.query(`ANALYZE statistics_probe`);
    await inTransaction(server.ds, async (em) => {
      await insert(em, 1, 499);
      expect(await analyzeIfGrown(em, 'statistics_probe', 499)).toBe(false);
      expect(await estimate(em)).toBe(0);
      await insert(em, 500, 5000);
      expect(await analyzeIfGrown(em, 'statistics_probe', 4501)).toBe(true);
      await insert(em, 5001, 6000);
      expect(await analyzeIfGrown(em, 'statistics_probe', 1000)).toBe(false);
      expect(await estimate(em)).toBe(5000);
      throw new Error('roll back');
    }).catch((err: Error) => expect(err.message).toBe('roll back'));
  });
});
