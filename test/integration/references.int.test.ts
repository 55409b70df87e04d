/**
 * Writes that skip the per-row foreign-key triggers (db/references.ts) do so only where allowed,
 * and switch them back on afterwards: a later write in the same transaction is checked again.
 */
import { inTransaction } from '../../src/db/transaction';
import { referenceTriggersSkippable, withReferencesChecked } from '../../src/db/references';
import { applyAutomaticMovesInSql, MOVE_TABLES } from '../../src/modules/lifecycle/lifecycle.service';
import { StageChangeTrigger } from '../../src/modules/lifecycle/stages';
import { startTestServer, type TestServer } from '../support/server';
import { until } from '../support/faults';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
  await server.ds.query(`DROP ROLE IF EXISTS cg_plain_writer`);
  await server.ds.query(`CREATE ROLE cg_plain_writer`);
  await server.ds.query(`GRANT ALL ON ALL TABLES IN SCHEMA public TO cg_plain_writer`);
  await server.ds.query(`GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO cg_plain_writer`);
});
afterAll(async () => {
  await server?.ds.query(`DROP OWNED BY cg_plain_writer`).catch(() => undefined);
  await server?.ds.query(`DROP ROLE IF EXISTS cg_plain_writer`).catch(() => undefined);
  await server?.stop();
});

const MISSING_CUSTOMER = '999999999';
const historyRowFor = (customerId: string) =>
  `INSERT INTO stage_change (customer_id, from_stage, to_stage, reason, trigger, occurred_at) VALUES (${customerId}, NULL, 'IDENTIFIED', 'test', 'MANUAL', now())`;
const setting = async (em: { query(sql: string): Promise<{ v: string }[]> }) =>
  (await em.query(`SELECT current_setting('session_replication_role') AS v`))[0]!.v;

async function newCustomer(stage: string): Promise<string> {
  const [{ id }] = await server.ds.query(
    `INSERT INTO customer (name, stage, stage_entered_at) VALUES ('Ref Test', $1, now()) RETURNING id::text AS id`,
    [stage],
  );
  return id;
}

describe('skipping foreign-key triggers', () => {
  it('skips them inside the write where allowed, and a later write in the transaction is checked again', async () => {
    await expect(
      inTransaction(server.ds, async (em) => {
        const inside = await withReferencesChecked(em, { tables: ['stage_change'] }, () => setting(em));
        expect(inside).toBe('replica');
        expect(await setting(em)).toBe('origin');
        await em.query(historyRowFor(MISSING_CUSTOMER));
      }),
    ).rejects.toThrow(/foreign key/);
  });

  it('keeps them for a role that may not switch them off', async () => {
    await expect(
      inTransaction(server.ds, async (em) => {
        await em.query(`SET LOCAL ROLE cg_plain_writer`);
        await withReferencesChecked(em, { tables: ['stage_change'] }, async () => {
          expect(await setting(em)).toBe('origin');
          await em.query(historyRowFor(MISSING_CUSTOMER));
        });
      }),
    ).rejects.toThrow(/foreign key/);
  });

  it('keeps them when a table has a trigger of its own the caller did not name', async () => {
    await inTransaction(server.ds, async (em) => {
      const inside = await withReferencesChecked(em, { tables: ['customer'] }, () => setting(em));
      expect(inside).toBe('origin');
      const allButOne = await withReferencesChecked(
        em,
        {
          tables: ['customer'],
          unaffectedTriggers: ['customer_duplicates_insert', 'customer_duplicates_update', 'customer_search_insert'],
        },
        () => setting(em),
      );
      expect(allButOne).toBe('origin');
      const named = await withReferencesChecked(em, { tables: ['customer'], unaffectedTriggers: MOVE_TABLES.unaffectedTriggers }, () =>
        setting(em),
      );
      expect(named).toBe('replica');
    });
  });

  it('stage moves may skip them: no trigger on the tables they write but the duplicate triggers they leave alone', async () => {
    // A new trigger on customer, stage_change, customer_event or event_counter fails this: decide
    // whether stage moves may skip it and name it in MOVE_TABLES, or leave it firing.
    expect(await referenceTriggersSkippable(server.ds.manager, MOVE_TABLES)).toBe(true);
  });

  it('stage moves write their history and events, then leave the triggers on, with or without the privilege', async () => {
    for (const role of [null, 'cg_plain_writer']) {
      const id = await newCustomer('RETAINED');
      await expect(
        inTransaction(server.ds, async (em) => {
          if (role) await em.query(`SET LOCAL ROLE ${role}`);
          const moved = await applyAutomaticMovesInSql(
            em,
            {
              sql: `SELECT $1::bigint AS customer_id, 1 AS rank, $2::text AS trigger, 'test move' AS reason`,
              params: [id, StageChangeTrigger.CHURN_RISK],
            },
            new Date(),
          );
          expect(moved).toBe(1);
          expect(await setting(em)).toBe('origin');
          const [row] = await em.query(
            `SELECT c.stage, (SELECT count(*)::int FROM stage_change s WHERE s.customer_id = c.id) AS changes,
                    (SELECT count(*)::int FROM customer_event e WHERE e.customer_id = c.id AND e.type = 'STAGE_CHANGED') AS events
             FROM customer c WHERE c.id = $1`,
            [id],
          );
          expect(row).toEqual({ stage: 'AT_RISK', changes: 1, events: 1 });
          await em.query(historyRowFor(MISSING_CUSTOMER));
        }),
      ).rejects.toThrow(/foreign key/);
    }
  });

  it('stage moves: a customer several candidate rules fit is locked and moved once, by the lowest rank', async () => {
    const id = await newCustomer('RETAINED');
    await inTransaction(server.ds, async (em) => {
      const moved = await applyAutomaticMovesInSql(
        em,
        {
          // Both rules move a RETAINED customer; the first-referral one ranks first; the churn one comes twice.
          sql: `SELECT $1::bigint AS customer_id, r.rank, r.trigger, 'test move' AS reason
                FROM (VALUES (2, $3::text), (1, $2::text), (2, $3::text)) AS r(rank, trigger)`,
          params: [id, StageChangeTrigger.FIRST_REFERRAL, StageChangeTrigger.CHURN_RISK],
        },
        new Date(),
      );
      expect(moved).toBe(1);
      const history = await em.query(`SELECT from_stage, to_stage, trigger FROM stage_change WHERE customer_id = $1`, [id]);
      expect(history).toEqual([{ from_stage: 'RETAINED', to_stage: 'ADVOCATE', trigger: 'FIRST_REFERRAL' }]);
      const [{ events }] = await em.query(
        `SELECT count(*)::int AS events FROM customer_event WHERE customer_id = $1 AND type = 'STAGE_CHANGED'`,
        [id],
      );
      expect(events).toBe(1);
    });
  });

  it('stage moves write the customers and their history before they wait for the outbox counter', async () => {
    // A fit runs two move transactions at once; that pays only if the one waiting for the counter
    // has already written its rows. 3,000 new row versions cannot fit in the table's free space,
    // so the table grows while the move waits: it did not when the update came after the events.
    const [{ first, last }] = await server.ds.query(
      `WITH added AS (
         INSERT INTO customer (name, stage, stage_entered_at) SELECT 'Counter Wait ' || g, 'RETAINED', now() FROM generate_series(1, 3000) g RETURNING id
       ) SELECT min(id)::text AS first, max(id)::text AS last FROM added`,
    );
    const size = async () => Number((await server.ds.query(`SELECT pg_relation_size('customer') AS s`))[0].s);
    const holder = server.ds.createQueryRunner();
    await holder.connect();
    try {
      await holder.startTransaction();
      await holder.query(`UPDATE event_counter SET seq = seq WHERE id`);
      const before = await size();
      const move = inTransaction(server.ds, (em) =>
        applyAutomaticMovesInSql(
          em,
          {
            sql: `SELECT id AS customer_id, 1 AS rank, $3::text AS trigger, 'test move' AS reason FROM customer WHERE id BETWEEN $1 AND $2`,
            params: [first, last, StageChangeTrigger.CHURN_RISK],
          },
          new Date(),
        ),
      );
      move.catch(() => undefined);
      await until(
        async () =>
          (
            await server.ds.query(
              `SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'WITH rules AS%pick AS MATERIALIZED%'`,
            )
          ).length > 0,
        'the move to wait for the counter',
      );
      expect(await size()).toBeGreaterThan(before + 200_000);
      await holder.commitTransaction();
      expect(await move).toBe(3000);
    } finally {
      if (holder.isTransactionActive) await holder.rollbackTransaction();
      await holder.release();
    }
    const [row] = await server.ds.query(
      `SELECT count(*)::int AS events, (max(seq) - min(seq) + 1)::int AS span FROM customer_event
       WHERE type = 'STAGE_CHANGED' AND customer_id BETWEEN $1 AND $2`,
      [first, last],
    );
    expect(row).toEqual({ events: 3000, span: 3000 });
  });
});
