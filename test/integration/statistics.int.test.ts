/**
 * Planner statistics during bulk writes (migration BulkInsertStatistics, db/statistics.ts):
 * analyze_if_grown refreshes the statistics of a table a transaction grew much, in that
 * transaction's view; the customer insert trigger calls it before its duplicate search, so an
 * import after a rolled-back one (statistics saying "pages but no rows") is planned on real numbers.
 */
import { inTransaction } from '../../src/db/transaction';
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

type Db = Pick<Parameters<Parameters<typeof inTransaction>[1]>[0], 'query'>;
const estimate = async (db: Db, table = 'statistics_probe') =>
  Number((await db.query(`SELECT reltuples AS n FROM pg_class WHERE oid = $1::regclass`, [table]))[0].n);
const insert = (db: Db, from: number, to: number) =>
  db.query(`INSERT INTO statistics_probe SELECT i, NULL FROM generate_series($1::int, $2::int) i`, [from, to]);
const analyzeIfGrown = async (db: Db, added: number): Promise<boolean> =>
  (await db.query(`SELECT analyze_if_grown('statistics_probe', $1) AS analyzed`, [added]))[0].analyzed;
/** The planner's row estimate for the rows with no `gone`: every row, once the statistics know the column. */
const plannedRows = async (db: Db) => {
  const [{ 'QUERY PLAN': plan }] = await db.query(`EXPLAIN (FORMAT JSON) SELECT * FROM statistics_probe WHERE gone IS NULL`);
  return plan[0].Plan['Plan Rows'] as number;
};
const rolledBack = (err: Error) => expect(err.message).toBe('roll back');

describe('analyze_if_grown', () => {
  it("refreshes the statistics of a table the transaction grew, in that transaction's view", async () => {
    await inTransaction(server.ds, async (em) => {
      await insert(em, 1, 2000);
      expect(await plannedRows(em)).toBeLessThan(100);
      expect(await analyzeIfGrown(em, 2000)).toBe(true);
      // It samples coarsely, then gives the transaction its own setting back.
      expect((await em.query(`SHOW default_statistics_target`))[0].default_statistics_target).toBe('100');
      expect(await estimate(em)).toBe(2000);
      expect(await plannedRows(em)).toBe(2000);
      throw new Error('roll back');
    }).catch(rolledBack);
    // pg_class's estimate is written in place, not transactionally: it outlives the rollback until the
    // table is analyzed again (autovacuum does so after the aborted rows). Erring high is harmless.
    expect(await estimate(server.ds)).toBe(2000);
  });

  it('leaves the statistics alone for fewer than 500 new rows, or growth within a fifth of the estimate', async () => {
    await server.ds.query(`ANALYZE statistics_probe`);
    await inTransaction(server.ds, async (em) => {
      await insert(em, 1, 499);
      expect(await analyzeIfGrown(em, 499)).toBe(false);
      expect(await estimate(em)).toBe(0);
      await insert(em, 500, 5000);
      expect(await analyzeIfGrown(em, 4501)).toBe(true);
      await insert(em, 5001, 6000);
      expect(await analyzeIfGrown(em, 1000)).toBe(false);
      expect(await estimate(em)).toBe(5000);
      throw new Error('roll back');
    }).catch(rolledBack);
  });
});

describe('a bulk customer import after a rolled-back one', () => {
  const CUSTOMERS = 800;
  const csv = (prefix: string) =>
    [
      'externalId,name,email,phone',
      ...Array.from({ length: CUSTOMERS }, (_, i) => `${prefix}-${i},Person ${i},person.${i}@example.com,`),
    ].join('\n');

  it('plans its duplicate search on statistics that count the new customers', async () => {
    // What autovacuum can leave after an aborted import: the tables analyzed while they held only
    // dead rows, so pg_class says pages but no rows, which the planner reads as one row whatever the size.
    await inTransaction(server.ds, async (em) => {
      await em.query(
        `INSERT INTO customer (external_id, name, email, stage, stage_entered_at)
         SELECT 'aborted-' || i, 'Aborted ' || i, 'aborted.' || i || '@example.com', 'IDENTIFIED', now() FROM generate_series(1, 3000) i`,
      );
      throw new Error('roll back');
    }).catch(rolledBack);
    await server.ds.query(`ANALYZE customer, customer_match_key`);
    const poisoned = await server.ds.query(
      `SELECT relname, reltuples, relpages FROM pg_class WHERE relname IN ('customer', 'customer_match_key') ORDER BY relname`,
    );
    expect(poisoned).toEqual([
      { relname: 'customer', reltuples: 0, relpages: expect.any(Number) },
      { relname: 'customer_match_key', reltuples: 0, relpages: expect.any(Number) },
    ]);
    expect(poisoned.every((r: { relpages: number }) => r.relpages > 0)).toBe(true);

    const res = await fetch(new URL('/import/customers', server.app.url), {
      method: 'POST',
      headers: { 'content-type': 'text/csv', ...server.auth(server.adminKey) },
      body: csv('bulk'),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ committed: true, inserted: CUSTOMERS });
    // The trigger analyzed both tables with the new rows in them (in place, so visible after commit too).
    expect(await estimate(server.ds, 'customer')).toBe(CUSTOMERS);
    expect(await estimate(server.ds, 'customer_match_key')).toBe(CUSTOMERS);
    // And the search still finds what it should: none of these customers shares a key with another.
    expect(Number((await server.ds.query(`SELECT count(*) AS n FROM duplicate_pair`))[0].n)).toBe(0);
  });
});
