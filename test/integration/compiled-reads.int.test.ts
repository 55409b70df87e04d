/**
 * Compiled reads answer exactly as the resolvers do. Two servers share one
 * database: one compiles reads to SQL (the default), the other runs every
 * field through its resolver (COMPILED_READS=off). Every operation below, and
 * every query in test/operations/ and docs/examples/, must get the same
 * response from both — data and errors — for a key that reads personal data
 * and one that does not; and the compiled server must spend one SQL statement
 * on it (two when a field computed in TypeScript is asked).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Kind, parse, print, visit, type DefinitionNode, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';
import { startApp, type App } from '../../src/app';
import { createLogger } from '../../src/shared/logger';
import { parseGlobalId, toGlobalId } from '../../src/shared/global-id';
import { seedGraph, shareWithPartner } from '../factories';
import { openDataSource, StatementCounter } from '../support/database';
import { bearer, postRaw, startTestServer, TEST_PARTNER, type GraphQLResponse, type TestServer } from '../support/server';
import type { DataSource } from 'typeorm';

let compiled: TestServer;
let plain: { app: App; ds: DataSource };
let partnerKey: string;
let analystKey: string;
const ids: Record<string, string> = {};

async function post(
  url: string,
  query: string,
  variables: Record<string, unknown>,
  key: string,
): Promise<GraphQLResponse<Record<string, unknown>>> {
  return (await postRaw(url, query, variables, bearer(key))).body;
}

/**
 * Request ids differ between the two servers, and errors come in the order
 * resolvers happen to finish (which GraphQL leaves open); everything else must be equal.
 */
function comparable(body: GraphQLResponse<Record<string, unknown>>) {
  const errors = body.errors?.map((e) => ({ ...e, extensions: { ...e.extensions, requestId: undefined } }));
  return { ...body, errors: errors?.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))) };
}

/** Sends the operation to both servers as `key`; returns the compiled response and its statement count. */
async function both(query: string, variables: Record<string, unknown>, key: string) {
  compiled.counter.reset();
  const fast = await post(compiled.url, query, variables, key);
  const statements = compiled.counter.count;
  const slow = await post(plain.app.url, query, variables, key);
  expect(comparable(fast)).toEqual(comparable(slow));
  return { body: fast, statements };
}

beforeAll(async () => {
  compiled = await startTestServer({ poolSize: 1 });
  await seedGraph(compiled.ds, { customers: 60 });
  // The partner key below sees every customer (partner-scope.int.test.ts tests the scope itself).
  await shareWithPartner(compiled.ds, TEST_PARTNER);
  const ds = await openDataSource(compiled.db.url, new StatementCounter());
  const app = await startApp({
    config: {
      host: '127.0.0.1',
      port: 0,
      rateLimitPerMinute: 1_000_000,
      anonymousRateLimitPerMinute: 1_000_000,
      adminApiKey: compiled.adminKey,
      compiledReads: false,
    },
    ds,
    log: createLogger('silent'),
  });
  plain = { app, ds };
  partnerKey = await compiled.createKey({ role: 'PARTNER' });
  analystKey = await compiled.createKey({ role: 'ANALYST' });
  const first = async (sql: string) => ((await compiled.ds.query(sql)) as { id: string }[])[0].id;
  ids.customer = toGlobalId(
    'Customer',
    await first(`SELECT c.id FROM customer c WHERE EXISTS (SELECT 1 FROM referral r WHERE r.referrer_id = c.id) ORDER BY id LIMIT 1`),
  );
  ids.referred = toGlobalId('Customer', await first(`SELECT referred_id AS id FROM referral ORDER BY id LIMIT 1`));
  ids.persona = toGlobalId('Persona', await first(`SELECT id FROM persona ORDER BY id LIMIT 1`));
  ids.product = toGlobalId('Product', await first(`SELECT id FROM product ORDER BY id LIMIT 1`));
  ids.holding = toGlobalId('Holding', await first(`SELECT id FROM holding ORDER BY id LIMIT 1`));
  ids.purchase = toGlobalId('Purchase', await first(`SELECT id FROM purchase ORDER BY id LIMIT 1`));
  ids.touchpoint = toGlobalId('Touchpoint', await first(`SELECT id FROM touchpoint ORDER BY id LIMIT 1`));
  ids.referral = toGlobalId('Referral', await first(`SELECT id FROM referral ORDER BY id LIMIT 1`));
  ids.stageChange = toGlobalId('StageChange', await first(`SELECT id FROM stage_change ORDER BY id LIMIT 1`));
  // An erased customer (a tombstone, as eraseCustomer leaves it): both paths must read it as erased, personal fields null.
  ids.erased = toGlobalId(
    'Customer',
    await first(
      `UPDATE customer SET name = '', email = NULL, phone = NULL, external_id = NULL, erased_at = now()
       WHERE id = (SELECT max(id) FROM customer) RETURNING id`,
    ),
  );
  // Varied purchase histories over the past year (some customers stopped long ago), so the churn model fits and every insight field has data.
  await compiled.ds.query(`DELETE FROM purchase WHERE customer_id % 2 = 0`);
  await compiled.ds.query(
    `INSERT INTO purchase (customer_id, product_id, occurred_at, quantity, amount)
     SELECT h.customer_id, h.product_id, now() - ((300 + h.customer_id % 90 - g * (7 + h.customer_id * 13 % 50)) || ' days')::interval, 1, (10 + (h.customer_id * 31 + g * 17) % 90)::numeric
     FROM (SELECT DISTINCT ON (customer_id) customer_id, product_id FROM holding ORDER BY customer_id, id) h
     CROSS JOIN LATERAL generate_series(0, (h.customer_id * 7 % 6)::int) g`,
  );
  await compiled.ds.query(
    `UPDATE customer SET last_purchase_at = (SELECT max(occurred_at) FROM purchase p WHERE p.customer_id = customer.id)`,
  );
  // Through the resolver server: a fit needs more than the one connection the counting server has.
  const fit = await post(plain.app.url, `mutation { fitChurnModel(input: {}) { scoredCustomers } }`, {}, compiled.adminKey);
  expect(fit.errors).toBeUndefined();
  // Two more profiles of the first customer: one merged into it (its id must answer the survivor), one left as a candidate.
  const [{ email }] = await compiled.ds.query(`SELECT coalesce(email, 'dup@example.com') AS email FROM customer WHERE id = $1`, [
    parseGlobalId(ids.customer)!.id,
  ]);
  const dupes: { id: string }[] = await compiled.ds.query(
    `INSERT INTO customer (name, email, stage, stage_entered_at) VALUES ('Dupe One', upper($1), 'IDENTIFIED', now()), ('Dupe Two', $1, 'IDENTIFIED', now()) RETURNING id::text AS id`,
    [email],
  );
  ids.merged = toGlobalId('Customer', dupes[0].id);
  const merged = await post(
    plain.app.url,
    `mutation ($input: MergeCustomersInput!) { mergeCustomers(input: $input) { merge { id } } }`,
    { input: { survivorId: ids.customer, mergedIds: [ids.merged] } },
    compiled.adminKey,
  );
  expect(merged.errors).toBeUndefined();
  const events = await post(compiled.url, `{ customerEvents(first: 1) { nodes { id } } }`, {}, compiled.adminKey);
  ids.event = (events.data as { customerEvents: { nodes: { id: string }[] } }).customerEvents.nodes[0].id;
});

afterAll(async () => {
  await plain?.app.stop();
  await plain?.ds.destroy();
  await compiled?.stop();
});

const CUSTOMER_FIELDS = `id name email stage stageEnteredAt lastPurchaseAt createdAt persona { id name goals preferredChannels createdAt }`;

/** Operations chosen to reach every feature the compiler handles, and the edges where it hands over. */
/** `searchesPersonalData`: without pii:read the resolvers refuse it (FORBIDDEN) before any SQL. */
/** `statements: 0`: the resolvers answer with an error (the compiled path hands over). */
const CASES: {
  name: string;
  query: string;
  variables?: () => Record<string, unknown>;
  statements: number;
  searchesPersonalData?: boolean;
}[] = [
  {
    name: 'customer-360 list with every nested connection',
    query: `{ customers(first: 7) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { ${CUSTOMER_FIELDS}
      holdings { totalCount edges { cursor node { id status since closedAt totalSpend purchaseCount product { id sku name category price createdAt } customer { id } } } }
      purchases(first: 2) { pageInfo { hasNextPage endCursor } nodes { id amount quantity occurredAt recordedAt product { sku } } }
      touchpoints(first: 3, filter: { channelIn: [EMAIL, PHONE] }) { totalCount nodes { id channel direction response occurredAt campaign note product { id } } }
      referralsMade { totalCount nodes { id sourceChannel createdAt convertedAt referrer { id } referred { id stage } } }
      referredBy { id referrer { id name } }
      stageHistory(last: 2) { pageInfo { hasPreviousPage hasNextPage startCursor endCursor } nodes { id from to reason trigger occurredAt customer { id } } } } } } }`,
    statements: 1,
  },
  {
    name: 'an erased customer: erasedAt set, personal fields null, in a list ordered by name too',
    query: `query($id: ID!) { customer(id: $id) { id name email phone externalId erasedAt stage purchases { totalCount } }
      customers(first: 3, orderBy: NAME_ASC) { nodes { id name erasedAt } } }`,
    variables: () => ({ id: ids.erased }),
    statements: 1,
  },
  {
    name: 'only totalCount',
    query: `{ customers(first: 3) { totalCount nodes { referralsMade { totalCount } holdings(first: 0) { totalCount pageInfo { hasNextPage } } } } }`,
    statements: 1,
  },
  {
    name: 'aliases, fragments, __typename',
    query: `query Q { __typename a: customers(first: 2, orderBy: NAME_ASC) { __typename ...Page } b: customers(first: 2, orderBy: NAME_DESC) { ...Page nodes { n: name, n2: name } } }
      fragment Page on CustomerConnection { pageInfo { __typename endCursor } edges { __typename cursor node { __typename ... on Customer { id stage } ...on Node { id } } } }`,
    statements: 1,
  },
  {
    name: '@include and @skip from variables',
    query: `query Q($withName: Boolean!, $noStage: Boolean!) { customers(first: 3) { nodes { id name @include(if: $withName) stage @skip(if: $noStage) } } }`,
    variables: () => ({ withName: false, noStage: true }),
    statements: 1,
  },
  {
    name: 'filters and orderings',
    query: `query Q($f: CustomerFilter, $o: CustomerOrder) { customers(first: 5, filter: $f, orderBy: $o) { totalCount nodes { id name lastPurchaseAt } pageInfo { endCursor } } }`,
    variables: () => ({ f: { stageIn: ['RETAINED'], search: 'customer 1', personaId: ids.persona }, o: 'LAST_PURCHASE_AT_ASC' }),
    statements: 1,
    searchesPersonalData: true,
  },
  { name: 'an empty stage filter', query: `{ customers(first: 5, filter: { stageIn: [] }) { totalCount nodes { id } } }`, statements: 1 },
  {
    name: 'products by category, personas',
    query: `{ products(first: 4, filter: { category: "Savings" }) { totalCount nodes { id sku price } } personas { totalCount nodes { id name } } }`,
    statements: 1,
  },
  {
    name: 'one customer',
    query: `query Q($id: ID!) { customer(id: $id) { ${CUSTOMER_FIELDS} referralsMade(first: 1) { pageInfo { hasNextPage endCursor } nodes { referred { id } } } } }`,
    variables: () => ({ id: ids.customer }),
    statements: 1,
  },
  { name: 'a customer that does not exist', query: `{ customer(id: "${toGlobalId('Customer', 999999)}") { id } }`, statements: 1 },
  {
    name: 'node of every compiled type, and nodes in order with unknowns',
    query: `query Q($id: ID!, $ids: [ID!]!) { node(id: $id) { id __typename ... on Customer { name stage } } nodes(ids: $ids) { __typename id ... on Persona { name } ... on Product { sku price } ... on Holding { status product { sku } }
      ... on Purchase { amount } ... on Touchpoint { channel } ... on Referral { sourceChannel referrer { id } } ... on StageChange { to } ... on Customer { stage } } }`,
    variables: () => ({
      id: ids.customer,
      ids: [
        ids.persona,
        ids.product,
        'not-an-id',
        ids.holding,
        ids.purchase,
        ids.touchpoint,
        ids.referral,
        ids.stageChange,
        ids.customer,
        toGlobalId('Customer', 999999),
        ids.persona,
      ],
    }),
    statements: 1,
  },
  { name: 'node with an invalid id', query: `{ node(id: "nope") { id } nodes(ids: []) { id } }`, statements: 1 },
  // Handed to the resolvers, which report the problem exactly as before.
  { name: 'a bad cursor', query: `{ customers(first: 2, after: "garbage") { nodes { id } } }`, statements: 0 },
  {
    name: 'a cursor of another ordering',
    query: `query Q($after: String) { customers(first: 2, after: $after, orderBy: NAME_ASC) { nodes { id } } }`,
    variables: () => ({ after: 'WyJjMSIsIkNSRUFURURfQVRfREVTQyIsIjIwMjQtMDEtMDEgMDA6MDA6MDArMDAiLCIxIl0' }),
    statements: 0,
  },
  { name: 'first over the cap', query: `{ customers(first: 500) { nodes { id } } }`, statements: 0 },
  {
    name: 'a global id of another type',
    query: `query Q($id: ID!) { customer(id: $id) { id } }`,
    variables: () => ({ id: ids.persona }),
    statements: 0,
  },
  {
    name: 'a nested first over the cap',
    query: `{ customers(first: 1) { nodes { holdings(first: 201) { totalCount } } } }`,
    statements: 0,
  },
];

describe.each([
  ['an admin key (reads personal data)', () => compiled.adminKey, true],
  ['an analyst key without pii:read', () => analystKey, false],
])('as %s', (_label, key, readsPersonalData) => {
  it.each(CASES)('$name: same response, its statement count', async ({ query, variables, statements, searchesPersonalData }) => {
    const { body, statements: n } = await both(query, variables?.() ?? {}, key());
    if (searchesPersonalData && !readsPersonalData) expect(n).toBe(0);
    if (statements === 0 || (searchesPersonalData && !readsPersonalData)) {
      expect(body.errors?.length).toBeGreaterThan(0);
      return;
    }
    // Without pii:read the personal fields are null with FORBIDDEN at their paths: that part runs through graphql-js, still on one statement.
    expect(n).toBe(statements);
  });
});

it('pages forward and backward through the same rows as the resolvers, without skipping or repeating', async () => {
  const query = `query Q($first: Int, $after: String, $last: Int, $before: String) { customers(first: $first, after: $after, last: $last, before: $before, orderBy: NAME_ASC) {
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { id } } } }`;
  const seen: string[] = [];
  let after: string | null = null;
  for (;;) {
    const { body } = await both(query, { first: 7, after }, compiled.adminKey);
    const page = (body.data as { customers: { pageInfo: { hasNextPage: boolean; endCursor: string }; edges: { node: { id: string } }[] } })
      .customers;
    seen.push(...page.edges.map((e) => e.node.id));
    if (!page.pageInfo.hasNextPage) break;
    after = page.pageInfo.endCursor;
  }
  // 60 seeded customers and one left-over duplicate; the merged profile (a tombstone) is in no list.
  expect(seen).toHaveLength(61);
  expect(new Set(seen).size).toBe(61);
  expect(seen).not.toContain(ids.merged);
  const back: string[] = [];
  let before: string | null = null;
  for (;;) {
    const { body } = await both(query, { last: 8, before }, compiled.adminKey);
    const page = (
      body.data as { customers: { pageInfo: { hasPreviousPage: boolean; startCursor: string }; edges: { node: { id: string } }[] } }
    ).customers;
    back.unshift(...page.edges.map((e) => e.node.id));
    if (!page.pageInfo.hasPreviousPage) break;
    before = page.pageInfo.startCursor;
  }
  expect(back).toEqual(seen);
});

it('gives a partner key non-personal fields from SQL and FORBIDDEN for personal ones, as the resolvers do', async () => {
  const { body, statements } = await both(
    `{ customers(first: 3) { nodes { id stage name email touchpoints(first: 2) { nodes { note channel } } } } }`,
    {},
    partnerKey,
  );
  expect(statements).toBe(1);
  expect(body.errors?.every((e) => e.extensions?.code === 'FORBIDDEN')).toBe(true);
  expect(body.errors?.map((e) => e.path?.join('.'))).toEqual(expect.arrayContaining(['customers.nodes.0.name', 'customers.nodes.0.email']));
});

it('refuses a role without access before any SQL, as the resolvers do', async () => {
  const service = await compiled.createKey({ role: 'SERVICE' });
  const { body, statements } = await both(`{ customers(first: 1) { nodes { id } } }`, {}, service);
  expect(body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  expect(statements).toBe(0);
});

/** The fragments an operation uses, directly or through other fragments. */
function fragmentsUsedBy(op: OperationDefinitionNode, fragments: Map<string, FragmentDefinitionNode>): FragmentDefinitionNode[] {
  const used = new Map<string, FragmentDefinitionNode>();
  const walk = (node: DefinitionNode) =>
    visit(node, {
      FragmentSpread(spread) {
        const f = fragments.get(spread.name.value);
        if (f && !used.has(f.name.value)) {
          used.set(f.name.value, f);
          walk(f);
        }
      },
    });
  walk(op);
  return [...used.values()];
}

/** Every query in test/operations/ and docs/examples/, with the fragments it uses. */
function operationsInRepository(): { file: string; name: string; query: string; variables: string[] }[] {
  const dirs = [path.join(__dirname, '..', 'operations'), path.join(__dirname, '..', '..', 'docs', 'examples')];
  const out: { file: string; name: string; query: string; variables: string[] }[] = [];
  for (const dir of dirs) {
    for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.graphql'))) {
      const doc = parse(fs.readFileSync(path.join(dir, file), 'utf8'));
      const fragments = new Map(
        doc.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]),
      );
      for (const op of doc.definitions.filter(
        (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION && d.operation === 'query',
      )) {
        const query = [op, ...fragmentsUsedBy(op, fragments)].map((d) => print(d)).join('\n');
        out.push({
          file,
          name: op.name?.value ?? '(anonymous)',
          query,
          variables: (op.variableDefinitions ?? []).map((v) => v.variable.name.value),
        });
      }
    }
  }
  return out;
}

/** Variables by name; `EventNode.id` is an event's ID, every other `id` a customer's. */
const VARIABLE_VALUES: Record<string, () => unknown> = {
  id: () => ids.customer,
  'EventNode.id': () => ids.event,
  'MergedNode.id': () => ids.merged,
  ids: () => [ids.customer, ids.persona, ids.product, ids.holding, ids.referral],
  first: () => 3,
  search: () => 'customer 1',
  from: () => '2020-01-01T00:00:00Z',
  to: () => '2030-01-01T00:00:00Z',
};

/**
 * SQL statements each read may cost: one when SQL answers it; one more for
 * each batch of fields computed in TypeScript; root fields that are not
 * compiled (analytics reports, API keys, the event feed) as their services
 * read them. A change in any figure fails here, so it is a decision.
 */
const STATEMENT_BUDGET: Record<string, number> = {
  // Stored insight compiles; cross-sell is computed in TypeScript from one batched statement.
  CustomerInsight: 2,
  CustomersWithInsight: 2,
  // Sharing consents are read by role (ADMIN, SERVICE) through their loader, which a plan shared by every role cannot compile.
  CustomerPartnerSharing: 2,
  // Reports computed in TypeScript: the current model, then one aggregate pass.
  ValueTierReport: 2,
  // One statement of figures, then the top referrers' customers (one batch).
  ReferralMetricsReport: 2,
  // Not compiled yet: API keys (a page and its count) and the event feed read through their services.
  ApiKeys: 2,
  EventPage: 4,
  EventNode: 2,
  // Answered from the API key alone.
  Viewer: 0,
};

describe('every query in test/operations/ and docs/examples/', () => {
  const operations = operationsInRepository();
  it.each(operations.map((o) => [`${o.file} ${o.name}`, o] as const))('%s answers the same on both paths', async (_name, op) => {
    const variables = Object.fromEntries(
      op.variables.map((v) => [v, (VARIABLE_VALUES[`${op.name}.${v}`] ?? VARIABLE_VALUES[v])?.()]).filter(([, v]) => v !== undefined),
    );
    const { body, statements } = await both(op.query, variables, compiled.adminKey);
    expect(body.errors).toBeUndefined();
    if (op.name in STATEMENT_BUDGET) expect(statements).toBe(STATEMENT_BUDGET[op.name]);
    else expect(statements).toBe(1);
  });
});
