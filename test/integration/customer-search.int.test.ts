/**
 * customer_search (migration CustomerSearch) holds each customer's name and email for the trigram
 * search indexes, kept by statement triggers on customer: it must equal the customer table after
 * every kind of write, and the customer list's `search` filter must read it.
 */
import { inTransaction } from '../../src/db/transaction';
import { applyAutomaticMovesInSql } from '../../src/modules/lifecycle/lifecycle.service';
import { StageChangeTrigger } from '../../src/modules/lifecycle/stages';
import { toGlobalId } from '../../src/shared/global-id';
import { startTestServer, type TestServer } from '../support/server';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

/** Customers whose search row is missing or differs from the customer row. */
const outOfStep = async () =>
  (
    await server.ds.query(
      `SELECT count(*)::int AS n FROM customer c FULL JOIN customer_search s ON s.customer_id = c.id
       WHERE c.id IS NULL OR s.customer_id IS NULL OR c.name IS DISTINCT FROM s.name OR c.email IS DISTINCT FROM s.email`,
    )
  )[0].n as number;

const searchIds = async (search: string) =>
  (
    await server.query<{ customers: { nodes: { id: string }[] } }>(
      `query($s: String!) { customers(first: 10, filter: { search: $s }) { nodes { id } } }`,
      { s: search },
    )
  ).customers.nodes.map((n) => n.id);

describe('customer_search', () => {
  it('follows inserts, updates of name and email, erasure and deletion; stage moves leave it alone', async () => {
    const rows: { id: string }[] = await server.ds.query(
      `INSERT INTO customer (name, email, stage, stage_entered_at)
       VALUES ('Quirin Searchable', 'quirin@search.example', 'IDENTIFIED', now()), ('Rhea Findable', NULL, 'IDENTIFIED', now())
       RETURNING id::text AS id`,
    );
    const [quirin, rhea] = rows.map((r) => r.id);
    expect(await outOfStep()).toBe(0);
    expect(await searchIds('searchable')).toEqual([toGlobalId('Customer', quirin!)]);
    expect(await searchIds('quirin@search')).toEqual([toGlobalId('Customer', quirin!)]);

    await server.ds.query(`UPDATE customer SET name = 'Rhea Renamed', email = 'rhea@search.example' WHERE id = $1`, [rhea]);
    expect(await outOfStep()).toBe(0);
    expect(await searchIds('findable')).toEqual([]);
    expect(await searchIds('rhea@search')).toEqual([toGlobalId('Customer', rhea!)]);

    // A set-based stage move switches the per-row triggers off where allowed (MOVE_TABLES names these).
    const moved = await inTransaction(server.ds, (em) =>
      applyAutomaticMovesInSql(
        em,
        {
          sql: `SELECT unnest($1::bigint[]) AS customer_id, 1 AS rank, $2::text AS trigger, 'test' AS reason`,
          params: [[quirin, rhea], StageChangeTrigger.FIRST_PURCHASE],
        },
        new Date(),
      ),
    );
    expect(moved).toBe(2);
    expect(await outOfStep()).toBe(0);

    await server.ds.query(
      `UPDATE customer SET name = '', email = NULL, phone = NULL, external_id = NULL, erased_at = now() WHERE id = $1`,
      [quirin],
    );
    expect(await server.ds.query(`SELECT name, email FROM customer_search WHERE customer_id = $1`, [quirin])).toEqual([
      { name: '', email: null },
    ]);
    expect(await searchIds('searchable')).toEqual([]);

    await server.ds.query(`DELETE FROM customer WHERE id = $1`, [rhea]);
    expect(await outOfStep()).toBe(0);
  });

  it('follows an upsert that inserts some rows and updates others in one statement', async () => {
    await server.ds.query(
      `INSERT INTO customer (external_id, name, stage, stage_entered_at) VALUES ('search-up-1', 'Sol Before', 'IDENTIFIED', now())`,
    );
    await server.ds.query(
      `INSERT INTO customer AS c (external_id, name, email, stage, stage_entered_at)
       VALUES ('search-up-1', 'Sol After', 'sol@search.example', 'IDENTIFIED', now()), ('search-up-2', 'Tove New', NULL, 'IDENTIFIED', now())
       ON CONFLICT (external_id) DO UPDATE SET name = EXCLUDED.name, email = EXCLUDED.email`,
    );
    expect(await outOfStep()).toBe(0);
    expect(
      await server.ds.query(
        `SELECT s.name FROM customer_search s JOIN customer c ON c.id = s.customer_id WHERE c.external_id LIKE 'search-up-%' ORDER BY 1`,
      ),
    ).toEqual([{ name: 'Sol After' }, { name: 'Tove New' }]);
  });
});
