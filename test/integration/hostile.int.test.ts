/**
 * Hostile input over real HTTP: query bombs (deep, wide, aliases, directives,
 * fragment cycles and fan-out), oversized and malformed bodies, huge strings
 * and lists, wrong types, NUL characters, invalid UTF-8 and SQL-injection
 * strings in every filter and ID. For every case: the answer has the right
 * HTTP status and error code, nothing internal leaks, the server still
 * answers, and the database is exactly as before (row counts and a checksum
 * of every data table).
 */
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  type GraphQLInputType,
} from 'graphql';
import { getSchema } from '../../src/graphql/schema';
import { tableSnapshot } from '../factories';
import { startTestServer, type TestServer } from '../support/server';

let server: TestServer;
let customerId: string;
let productId: string;
let before: Record<string, string>;

interface Answer {
  status: number;
  text: string;
  codes: string[];
}

interface HostileCase {
  name: string;
  /** A GraphQL request body (serialised as JSON) or raw bytes. */
  body: (() => unknown) | Buffer | string;
  headers?: Record<string, string>;
  method?: 'POST' | 'GET';
  status: number | number[];
  /** Every error code must be one of these (and there must be at least one), or `[]` for a clean answer. */
  codes: string[];
  /** Extra checks on the parsed answer. */
  check?: (answer: Answer, json: { data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] }) => void;
}

const INJECTIONS = [
  "' OR '1'='1",
  "'; DROP TABLE customer; --",
  '") OR 1=1 --',
  '1; SELECT pg_sleep(10)',
  "' UNION SELECT secret_hash FROM api_key --",
  ':search',
  '$1',
  '*/ SELECT 1 /*',
  '%',
  '_',
  '\\',
];

const deepReferrals = (levels: number) => {
  let inner = 'id';
  for (let i = 0; i < levels; i++) inner = `referredBy { referrer { ${inner} } }`;
  return `{ customers(first: 1) { nodes { ${inner} } } }`;
};

const fragmentFanOut = (levels: number) =>
  `{ customers(first: 1) { nodes { ...F0 } } }\n` +
  Array.from({ length: levels }, (_, i) => `fragment F${i} on Customer { ...F${i + 1} ...F${i + 1} }`).join('\n') +
  `\nfragment F${levels} on Customer { id stage }`;

interface FilterTarget {
  coordinate: string;
  query: string;
  field: string;
  list: boolean;
  /** Free text (String): a valid value that must simply match nothing. */
  isText: boolean;
}

/**
 * Every input field of every `filter` argument, on root fields and on Customer's
 * connections, that takes a scalar or enum: each gets every injection string.
 */
function filterTargets(): FilterTarget[] {
  const schema = getSchema();
  const out: FilterTarget[] = [];
  const owners: [string, string][] = [
    ['Query', '$f'],
    ['Customer', '$f'],
  ];
  for (const [owner] of owners) {
    const type = schema.getType(owner);
    if (!isObjectType(type)) continue;
    for (const field of Object.values(type.getFields())) {
      const filterArg = field.args.find((a) => a.name === 'filter');
      if (!filterArg) continue;
      const filterType = getNamedType(filterArg.type);
      if (!isInputObjectType(filterType)) continue;
      const requiredArgs = field.args.filter((a) => isNonNullType(a.type) && a.defaultValue === undefined);
      if (requiredArgs.length) continue;
      const paging = field.args.some((a) => a.name === 'first') ? '(first: 1, filter: $f)' : '(filter: $f)';
      const selection =
        isObjectType(getNamedType(field.type)) && 'totalCount' in (getNamedType(field.type) as { getFields(): object }).getFields()
          ? '{ totalCount }'
          : '{ __typename }';
      const inner = `${field.name}${paging} ${selection}`;
      const query =
        owner === 'Query'
          ? `query($f: ${filterType.name}, $id: ID) { ${inner} }`
          : `query($f: ${filterType.name}, $id: ID!) { customer(id: $id) { ${inner} } }`;
      for (const input of Object.values(filterType.getFields())) {
        const t: GraphQLInputType = isNonNullType(input.type) ? input.type.ofType : input.type;
        const list = isListType(t);
        const named = getNamedType(t);
        if (!isScalarType(named) && !isEnumType(named)) continue;
        out.push({
          coordinate: `${owner}.${field.name}(filter.${input.name})`,
          query: owner === 'Query' ? query.replace(', $id: ID)', ')') : query,
          field: input.name,
          list,
          isText: named.name === 'String',
        });
      }
    }
  }
  return out;
}

function cases(): HostileCase[] {
  const q = (query: string, variables?: Record<string, unknown>) => () => ({ query, variables });
  const list: HostileCase[] = [
    // --- query shape ---
    {
      name: 'deep: 30 nested referrals',
      body: q(deepReferrals(30)),
      status: 400,
      codes: ['QUERY_TOO_COMPLEX'],
      check: (_a, j) => expect(j.errors![0].extensions).toMatchObject({ limit: 'depth', max: 10, actual: 63 }),
    },
    {
      name: 'deep through fragments',
      body: q(
        `{ customers(first: 1) { nodes { ...L0 } } }\n${Array.from({ length: 12 }, (_, i) => `fragment L${i} on Customer { referredBy { referrer { ...L${i + 1} } } }`).join('\n')}\nfragment L12 on Customer { id }`,
      ),
      status: 400,
      codes: ['QUERY_TOO_COMPLEX'],
    },
    {
      name: 'deep introspection through __type',
      body: q(
        `{ __type(name: "Customer") { fields { type { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } } } } }`,
      ),
      status: 400,
      codes: ['QUERY_TOO_COMPLEX'],
    },
    {
      name: 'wide: 3,000 fields',
      body: q(`{ customers(first: 1) { nodes { ${Array(3000).fill('id').join(' ')} } } }`),
      status: 400,
      codes: ['QUERY_TOO_COMPLEX'],
      check: (_a, j) => expect(j.errors![0].extensions).toMatchObject({ limit: 'tokens', max: 2000, actual: 3013 }),
    },
    {
      name: 'alias bomb: 200 aliased customer pages',
      body: q(`{ ${Array.from({ length: 200 }, (_, i) => `a${i}: customers(first: 200) { totalCount }`).join(' ')} }`),
      status: 400,
      codes: ['QUERY_TOO_COMPLEX'],
    },
    {
      name: 'alias bomb within the alias limit but over the cost',
      body: q(
        `{ ${Array.from({ length: 15 }, (_, i) => `a${i}: customers(first: 200) { nodes { holdings(first: 100) { nodes { product { name } } } } }`).join(' ')} }`,
      ),
      status: 400,
      codes: ['QUERY_TOO_COMPLEX'],
      check: (_a, j) => expect(j.errors![0].extensions).toMatchObject({ limit: 'cost', max: 10_000 }),
    },
    {
      name: 'directive bomb',
      body: q(`{ ${Array.from({ length: 40 }, (_, i) => `f${i}: __typename @include(if: true)`).join(' ')} }`),
      status: 400,
      codes: ['QUERY_TOO_COMPLEX'],
    },
    {
      name: 'fragment cycle',
      body: q('{ customers(first: 1) { nodes { ...A } } } fragment A on Customer { ...B } fragment B on Customer { ...A }'),
      status: 400,
      codes: ['GRAPHQL_VALIDATION_FAILED'],
    },
    { name: 'fragment fan-out (2^30 fields)', body: q(fragmentFanOut(30)), status: 400, codes: ['QUERY_TOO_COMPLEX'] },
    {
      name: 'page of 1,000,000',
      body: q('{ customers(first: 1000000) { nodes { holdings(first: 1000000) { nodes { id } } } } }'),
      status: 400,
      codes: ['QUERY_TOO_COMPLEX'],
    },
    {
      name: 'page size over the cap, within the cost',
      body: q('{ customers(first: 201) { totalCount } }'),
      status: 200,
      codes: ['BAD_USER_INPUT'],
    },
    { name: 'many operations, none chosen', body: q('query A { __typename } query B { __typename }'), status: 400, codes: ['BAD_REQUEST'] },
    {
      name: 'unknown operation name',
      body: () => ({ query: 'query A { __typename }', operationName: 'Nope' }),
      status: 400,
      codes: ['BAD_REQUEST'],
    },
    { name: 'syntax garbage', body: q('{ customers(first: 1 { nodes }'), status: 400, codes: ['GRAPHQL_PARSE_FAILED'] },

    // --- bodies and transport ---
    {
      name: 'oversize body (2 MiB)',
      body: () => ({ query: '{ __typename }', variables: { pad: 'x'.repeat(2 * 1024 * 1024) } }),
      status: 413,
      codes: ['QUERY_TOO_COMPLEX'],
      check: (_a, j) => expect(j.errors![0].extensions).toMatchObject({ limit: 'bodyBytes', max: 1_048_576 }),
    },
    { name: 'invalid JSON', body: '{"query": "{ __typename }"', status: 400, codes: ['BAD_REQUEST'] },
    {
      name: 'invalid UTF-8 bytes',
      body: Buffer.concat([
        Buffer.from('{"query":"{ __typename }","variables":{"x":"'),
        Buffer.from([0xff, 0xfe, 0xc3, 0x28]),
        Buffer.from('"}}'),
      ]),
      status: 400,
      codes: ['BAD_REQUEST'],
    },
    {
      name: 'JSON nested 100,000 levels deep',
      body: `{"query":"{ __typename }","variables":{"x":${'['.repeat(100_000)}${']'.repeat(100_000)}}}`,
      status: [200, 400],
      codes: [],
    },
    {
      name: 'batched requests (JSON array)',
      body: () => [{ query: '{ __typename }' }, { query: '{ __typename }' }],
      status: 400,
      codes: ['BAD_REQUEST'],
    },
    {
      name: 'mutation over GET',
      method: 'GET',
      body: 'mutation { createCustomer(input: { name: "Via GET" }) { customer { id } } }',
      status: [400, 405],
      codes: ['BAD_REQUEST'],
    },
    {
      name: 'text/plain POST (CSRF)',
      body: JSON.stringify({ query: 'mutation { createCustomer(input: { name: "CSRF" }) { customer { id } } }' }),
      headers: { 'content-type': 'text/plain' },
      status: 400,
      codes: ['BAD_REQUEST'],
    },

    // --- huge values and wrong types ---
    {
      name: 'huge string (900 KB) in a search',
      body: q('query($s: String!) { customers(filter: { search: $s }) { totalCount } }', { s: 'x'.repeat(900_000) }),
      status: 200,
      codes: ['BAD_USER_INPUT'],
    },
    {
      name: 'huge string (900 KB) as a name',
      body: q('mutation($n: String!) { createCustomer(input: { name: $n }) { customer { id } } }', { n: 'n'.repeat(900_000) }),
      status: 200,
      codes: ['BAD_USER_INPUT'],
    },
    {
      name: 'huge list: 20,000 ids',
      body: q('query($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids: Array.from({ length: 20_000 }, (_, i) => String(i)) }),
      status: 400,
      codes: ['QUERY_TOO_COMPLEX'],
    },
    {
      name: 'huge list: 201 ids within the cost',
      body: q('query($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids: Array.from({ length: 201 }, (_, i) => String(i)) }),
      status: 200,
      codes: ['BAD_USER_INPUT'],
    },
    {
      name: 'huge list: 5,000 purchases',
      body: () => ({
        query: 'mutation($input: RecordPurchasesInput!) { recordPurchases(input: $input) { purchases { id } } }',
        variables: {
          input: {
            purchases: Array.from({ length: 5000 }, () => ({ customerId, productId, amount: '1.00', occurredAt: '2024-01-01T00:00:00Z' })),
          },
        },
      }),
      status: 200,
      codes: ['BAD_USER_INPUT'],
    },
    {
      name: 'wrong type: first as a string',
      body: q('{ customers(first: "ten") { totalCount } }'),
      status: 400,
      codes: ['GRAPHQL_VALIDATION_FAILED'],
    },
    {
      name: 'wrong type: first beyond 32 bits',
      body: q('{ customers(first: 4294967296) { totalCount } }'),
      status: 400,
      codes: ['GRAPHQL_VALIDATION_FAILED'],
    },
    {
      name: 'wrong type: variable of the wrong type',
      body: q('query($n: Int) { customers(first: $n) { totalCount } }', { n: { $gt: 1 } }),
      status: [200, 400],
      codes: ['BAD_USER_INPUT'],
    },
    { name: 'wrong type: negative page', body: q('{ customers(first: -1) { totalCount } }'), status: 200, codes: ['BAD_USER_INPUT'] },
    {
      name: 'wrong type: enum value that does not exist',
      body: q('{ customers(first: 1, orderBy: DROP_TABLE) { totalCount } }'),
      status: 400,
      codes: ['GRAPHQL_VALIDATION_FAILED'],
    },
    {
      name: 'wrong type: object where a string belongs',
      body: q('mutation($i: CreateCustomerInput!) { createCustomer(input: $i) { customer { id } } }', { i: { name: { toString: 1 } } }),
      status: [200, 400],
      codes: ['BAD_USER_INPUT'],
    },
    {
      name: 'NUL character in a variable',
      body: q('mutation($n: String!) { createCustomer(input: { name: $n }) { customer { id } } }', { n: 'Null\u0000Byte' }),
      status: 400,
      codes: ['BAD_USER_INPUT'],
    },
    {
      name: 'NUL character in a literal',
      body: q('{ customers(filter: { search: "a\\u0000b" }) { totalCount } }'),
      status: 400,
      codes: ['BAD_USER_INPUT'],
    },
    {
      name: 'lone surrogate in a search',
      body: q('query($s: String!) { customers(filter: { search: $s }) { totalCount } }', { s: 'a\ud800b' }),
      status: 200,
      codes: [],
    },
  ];

  // --- SQL injection in every filter (generated from the schema), ID and cursor ---
  for (const s of INJECTIONS) {
    for (const target of filterTargets()) {
      list.push({
        name: `injection in ${target.coordinate}: ${s}`,
        body: q(target.query, { id: customerId, f: { [target.field]: target.list ? [s] : s } }),
        status: [200, 400],
        codes: target.isText ? [] : ['BAD_USER_INPUT'],
        check: (_a, j) => {
          // Text filters match nothing (the strings are data, and LIKE wildcards are escaped); other types refuse the value.
          if (target.isText) expect(JSON.stringify(j.data)).toMatch(/"totalCount":0/);
        },
      });
    }
    list.push(
      {
        name: `injection as a customer id: ${s}`,
        body: q('query($id: ID!) { customer(id: $id) { id } }', { id: s }),
        status: 200,
        codes: ['BAD_USER_INPUT'],
      },
      {
        name: `injection as a node id: ${s}`,
        body: q('query($id: ID!) { node(id: $id) { id } }', { id: s }),
        status: 200,
        codes: [],
        check: (_a, j) => expect(j.data).toEqual({ node: null }),
      },
      {
        name: `injection as an after cursor: ${s}`,
        body: q('query($a: String) { customers(first: 1, after: $a) { totalCount } }', { a: s }),
        status: 200,
        codes: ['BAD_USER_INPUT'],
      },
      {
        name: `injection as a mutation id: ${s}`,
        body: q('mutation($id: ID!) { updateCustomer(input: { id: $id, name: "X" }) { customer { id } } }', { id: s }),
        status: 200,
        codes: ['BAD_USER_INPUT'],
      },
    );
  }
  return list;
}

async function send(c: HostileCase): Promise<Answer & { json: Parameters<NonNullable<HostileCase['check']>>[1] }> {
  let url = server.url;
  let body: Buffer | string | undefined;
  if (c.method === 'GET') {
    url = `${server.url}?query=${encodeURIComponent(c.body as string)}`;
  } else {
    body = typeof c.body === 'function' ? JSON.stringify(c.body()) : c.body;
  }
  const res = await fetch(url, {
    method: c.method ?? 'POST',
    headers: { 'content-type': 'application/json', 'apollo-require-preflight': 'true', ...server.auth(server.adminKey), ...c.headers },
    body,
  });
  const text = await res.text();
  let json: { data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] };
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${c.name}: not JSON (${res.status}): ${text.slice(0, 200)}`);
  }
  return { status: res.status, text, codes: [...new Set((json.errors ?? []).map((e) => String(e.extensions?.code)))], json };
}

beforeAll(async () => {
  server = await startTestServer();
  const made = await server.query<{ createCustomer: { customer: { id: string } } }>(
    'mutation { createCustomer(input: { name: "Hostile Fixture", email: "fixture@example.com" }) { customer { id } } }',
  );
  customerId = made.createCustomer.customer.id;
  const product = await server.query<{ createProduct: { product: { id: string } } }>(
    'mutation { createProduct(input: { sku: "HOSTILE-1", name: "Fixture", category: "Tests", price: "9.99" }) { product { id } } }',
  );
  productId = product.createProduct.product.id;
  await server.query('mutation($input: RecordPurchasesInput!) { recordPurchases(input: $input) { purchases { id } } }', {
    input: { purchases: [{ customerId, productId, amount: '9.99', occurredAt: '2024-01-01T00:00:00Z' }] },
  });
  before = await tableSnapshot(server.ds);
});
afterAll(async () => {
  await server?.stop();
});

const ALL = cases();
const outcomes: { name: string; status: number; codes: string[] }[] = [];

describe.each(ALL.map((c) => [c.name, c] as const))('%s', (_name, c) => {
  it('is answered with the right code, the server stays up and nothing is written', async () => {
    const answer = await send(c);
    outcomes.push({ name: c.name, status: answer.status, codes: answer.codes });
    expect([c.name, ([] as number[]).concat(c.status).includes(answer.status)]).toEqual([c.name, true]);
    if (c.codes.length === 0)
      expect(answer.codes.filter((x) => x !== 'BAD_USER_INPUT' || c.status === 200)).toEqual(
        answer.codes.filter((x) => x === 'BAD_USER_INPUT' && c.status === 200),
      );
    else {
      expect(answer.codes.length).toBeGreaterThan(0);
      expect(answer.codes.every((code) => c.codes.includes(code))).toBe(true);
    }
    expect(answer.codes).not.toContain('INTERNAL_SERVER_ERROR');
    expect(answer.text).not.toMatch(/QueryFailedError|syntax error at or near|relation "|\bat [\w.]+ \(.*:\d+:\d+\)/);
    c.check?.(answer, answer.json);

    // Still serving, and the data is untouched.
    expect(
      (await server.query<{ customer: { id: string } }>('query($id: ID!) { customer(id: $id) { id } }', { id: customerId })).customer.id,
    ).toBe(customerId);
    expect(await tableSnapshot(server.ds)).toEqual(before);
  });
});

describe('after all hostile cases', () => {
  it('kept every table and the fixture data, and printed the tally', async () => {
    const [{ n }] = await server.ds.query(`SELECT count(*)::int AS n FROM customer WHERE name = 'Hostile Fixture'`);
    expect(n).toBe(1);
    expect(outcomes).toHaveLength(ALL.length);
    const tally = outcomes.reduce<Record<string, number>>((acc, o) => {
      const key = `${o.status} ${o.codes.join('+') || 'ok'}`;
      acc[key] = (acc[key] ?? 0) + 1;
      return acc;
    }, {});
    // A figure for the report, not an assertion.
    console.log(`hostile cases: ${ALL.length}; outcomes by status and code: ${JSON.stringify(tally)}`);
  });

  it('stores injection strings sent as data verbatim, as data', async () => {
    const name = "Robert'); DROP TABLE customer; --";
    const made = await server.query<{ createCustomer: { customer: { id: string; name: string } } }>(
      'mutation($n: String!) { createCustomer(input: { name: $n }) { customer { id name } } }',
      { n: name },
    );
    expect(made.createCustomer.customer.name).toBe(name);
    const [{ n }] = await server.ds.query(`SELECT count(*)::int AS n FROM customer`);
    expect(n).toBe(2);
  });
});
