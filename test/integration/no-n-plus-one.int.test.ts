/**
 * The customer-360 read compiles to one SQL statement whatever the page size
 * (graphql/sql). The loaders that answer fields computed in TypeScript still
 * batch per level: their contract is tested below.
 */
import { createLoaders } from '../../src/modules/loaders';
import { toPageRequest } from '../../src/shared/pagination';
import { Customer360Document } from '../generated/graphql';
import { seedGraph, type Sql } from '../factories';
import { startTestServer, type TestServer } from '../support/server';

let server: TestServer;
const CUSTOMERS = 300;

beforeAll(async () => {
  // One connection: with a pool, concurrent statements finish in varying order and DataLoader
  // sometimes merges two same-level batches (measured: 12 or 13 statements for the same query),
  // so an exact count needs serialised statements. The count stays bounded either way.
  server = await startTestServer({ poolSize: 1 });
  const counts = await seedGraph(server.ds, { customers: CUSTOMERS });
  expect(counts).toMatchObject({ customer: CUSTOMERS, holding: 2 * CUSTOMERS, touchpoint: 8 * CUSTOMERS, stage_change: 3 * CUSTOMERS });
});
afterAll(async () => {
  await server?.stop();
});

async function statementsFor(first: number): Promise<{ count: number; statements: string[]; customers: number }> {
  server.counter.reset();
  const data = await server.query(Customer360Document, { first });
  const result = { count: server.counter.count, statements: [...server.counter.statements], customers: data.customers.nodes.length };
  // The response itself must be complete, or a cheap count would prove nothing.
  for (const c of data.customers.nodes) {
    expect(c.persona?.name).toBeTruthy();
    expect(c.holdings.totalCount).toBe(2);
    expect(c.holdings.nodes.every((h) => h.totalSpend === '42.50' && h.product.name)).toBe(true);
    expect(c.touchpoints.nodes).toHaveLength(5);
    expect(c.stageHistory.nodes.map((s) => s.to)).toEqual(['ACQUIRED', 'CONVERTED', 'RETAINED']);
  }
  return result;
}

describe('Customer360 statement count', () => {
  it('is one statement from 10 to 200 customers', async () => {
    const at10 = await statementsFor(10);
    const at50 = await statementsFor(50);
    const at200 = await statementsFor(200);
    expect([at10.customers, at50.customers, at200.customers]).toEqual([10, 50, 200]);
    expect([at10.count, at50.count, at200.count]).toEqual([1, 1, 1]);
  });

  it('reads every table of the graph in that one statement', async () => {
    const { statements } = await statementsFor(100);
    const touching = (table: string) => statements.filter((s) => new RegExp(`\\b(FROM|JOIN)\\s+"?${table}"?\\b`, 'i').test(s)).length;
    const perTable = Object.fromEntries(
      ['customer', 'persona', 'holding', 'purchase', 'touchpoint', 'referral', 'stage_change', 'product'].map((t) => [t, touching(t)]),
    );
    expect(perTable).toEqual({ customer: 1, persona: 1, holding: 1, purchase: 1, touchpoint: 1, referral: 1, stage_change: 1, product: 1 });
  });

  it('nests referral counts and referredBy without extra statements per customer', async () => {
    server.counter.reset();
    const data = await server.query(Customer360Document, { first: 30 });
    const withReferrals = data.customers.nodes.filter((c) => c.referralsMade.totalCount > 0);
    const referred = data.customers.nodes.filter((c) => c.referredBy);
    expect(withReferrals.length).toBeGreaterThan(0);
    expect(referred.length).toBeGreaterThan(0);
    expect(referred.every((c) => c.referredBy!.referrer.name?.includes(' customer '))).toBe(true);
  });
});

/** Records the SQL (and parameters) a real EntityManager is asked to run. */
function recordingManager(): { em: typeof server.ds.manager; calls: { sql: string; params: unknown[] }[] } {
  const calls: { sql: string; params: unknown[] }[] = [];
  const real = server.ds.manager;
  const em = new Proxy(real, {
    get(target, prop, receiver) {
      if (prop === 'query') {
        return (sql: string, params: unknown[] = []) => {
          calls.push({ sql, params });
          return (target as Sql).query(sql, params);
        };
      }
      return Reflect.get(target, prop, receiver);
    },
  });
  return { em, calls };
}

describe('loader batching (DataLoader contract)', () => {
  async function someCustomerIds(n: number): Promise<string[]> {
    const rows = await server.ds.query<{ id: string }[]>(`SELECT id::text FROM customer ORDER BY id LIMIT $1`, [n]);
    return rows.map((r) => r.id);
  }

  it('serves every parent loaded in one tick from one batch, results in key order', async () => {
    const { em, calls } = recordingManager();
    const loaders = createLoaders(em);
    const ids = await someCustomerIds(7);
    const req = toPageRequest({ first: 3 }, 'touchpoints.');
    const reversed = [...ids].reverse();
    const pages = await Promise.all(reversed.map((id) => loaders.touchpointsByCustomer(id, req, null, 'touchpoints.')));
    const pageQueries = calls.filter((c) => /FROM touchpoint x/.test(c.sql));
    expect(pageQueries).toHaveLength(1);
    // The batch is exactly the parents asked for (deduplicated), not one query each.
    expect([...(pageQueries[0].params[0] as string[])].sort()).toEqual([...ids].sort());
    pages.forEach((page, i) => {
      expect(page.edges).toHaveLength(3);
      expect(page.edges.every((e) => (e.node as { customerId: string }).customerId === reversed[i])).toBe(true);
    });
  });

  it('splits one tick into one batch per distinct page request and filter', async () => {
    const { em, calls } = recordingManager();
    const loaders = createLoaders(em);
    const ids = await someCustomerIds(4);
    const three = toPageRequest({ first: 3 }, 'touchpoints.');
    const one = toPageRequest({ first: 1 }, 'touchpoints.');
    const email = { sql: `x.channel = ANY($1::text[])`, params: [['EMAIL']] };
    await Promise.all([
      ...ids.map((id) => loaders.touchpointsByCustomer(id, three, null, 'touchpoints.')),
      ...ids.slice(0, 2).map((id) => loaders.touchpointsByCustomer(id, one, null, 'touchpoints.')),
      ...ids.slice(2).map((id) => loaders.touchpointsByCustomer(id, three, email, 'touchpoints.')),
    ]);
    const batches = calls.filter((c) => /FROM touchpoint x/.test(c.sql)).map((c) => [...(c.params[0] as string[])].sort());
    expect(batches).toHaveLength(3);
    expect(batches).toEqual(expect.arrayContaining([[...ids].sort(), ids.slice(0, 2).sort(), ids.slice(2).sort()]));
  });

  it('loads totalCount for many parents with one GROUP BY, zero for parents without rows', async () => {
    const { em, calls } = recordingManager();
    const loaders = createLoaders(em);
    const ids = await someCustomerIds(5);
    const req = toPageRequest({ first: 1 }, 'referralsMade.');
    const pages = await Promise.all([...ids, '999999999'].map((id) => loaders.referralsByReferrer(id, req, null, 'referralsMade.')));
    calls.length = 0;
    const counts = await Promise.all(pages.map((p) => p.totalCount()));
    expect(calls).toHaveLength(1);
    expect(calls[0].sql).toMatch(/GROUP BY/);
    expect(counts[counts.length - 1]).toBe(0);
    const expected = await server.ds.query<{ n: string }[]>(`SELECT count(*) AS n FROM referral WHERE referrer_id = ANY($1::bigint[])`, [
      ids,
    ]);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(Number(expected[0].n));
  });

  it('answers a repeated key from the per-request cache without a new statement', async () => {
    const { em, calls } = recordingManager();
    const loaders = createLoaders(em);
    const [id] = await someCustomerIds(1);
    const req = toPageRequest({ first: 2 }, 'holdings.');
    await loaders.holdingsByCustomer(id, req, null, 'holdings.');
    const before = calls.length;
    await loaders.holdingsByCustomer(id, req, null, 'holdings.');
    expect(calls.length).toBe(before);
  });
});
