/**
 * The authorization matrix, generated from the schema: every field marked
 * personal (`@Personal()`) × every kind of viewer, over real HTTP. Each
 * personal value is a unique marker, and a viewer without `pii:read` must
 * never see it anywhere in the response — not in data, not in an error.
 * A new personal field is covered automatically; a new type holding personal
 * data fails the coverage test until it gets a fixture below.
 */
import { randomBytes } from 'node:crypto';
import { print } from 'graphql';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { getSchema } from '../../src/graphql/schema';
import { personalFields } from '../../src/modules/auth/access';
import { CustomersSearchDocument, UpdateCustomerAsServiceDocument } from '../generated/graphql';
import { startTestServer, TEST_PARTNER, type GraphQLResponse, type TestServer } from '../support/server';
import { shareWithPartner } from '../factories';

const PERSONAL = personalFields(getSchema());
const marker = (what: string) => `pii-${what}-${randomBytes(6).toString('hex')}`;

type ViewerKind = 'ADMIN' | 'ANALYST' | 'ANALYST+pii' | 'SERVICE' | 'SERVICE+pii' | 'PARTNER' | 'ANONYMOUS';
const VIEWERS: ViewerKind[] = ['ADMIN', 'ANALYST', 'ANALYST+pii', 'SERVICE', 'SERVICE+pii', 'PARTNER', 'ANONYMOUS'];
/** What each viewer gets when it asks for a personal field through `nodes(ids:)`. */
const EXPECTED: Record<ViewerKind, 'value' | 'FORBIDDEN field' | 'FORBIDDEN root' | 'UNAUTHENTICATED'> = {
  ADMIN: 'value',
  'ANALYST+pii': 'value',
  ANALYST: 'FORBIDDEN field',
  PARTNER: 'FORBIDDEN field',
  SERVICE: 'FORBIDDEN root',
  'SERVICE+pii': 'FORBIDDEN root',
  ANONYMOUS: 'UNAUTHENTICATED',
};

/** Personal fields of an object type: the selection to ask for (the fixture's marker shows up inside it). */
const SUBSELECTIONS: Record<string, string> = {
  'Customer.communicationPreferences': '{ channels { channel source } }',
  'Customer.consentHistory': '{ nodes { source } }',
};

let server: TestServer;
const headers = {} as Record<ViewerKind, Record<string, string>>;
/** Per personal type: the global ID of an object whose personal fields all hold markers, and the markers. */
const fixtures: Record<string, { id: string; values: Record<string, string> }> = {};
let customerId: string;

async function raw(body: unknown, h: Record<string, string>): Promise<{ text: string; json: GraphQLResponse<Record<string, unknown>> }> {
  const res = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...h },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { text, json: JSON.parse(text) };
}

beforeAll(async () => {
  server = await startTestServer();
  headers.ADMIN = server.auth(server.adminKey);
  headers.ANALYST = server.auth(await server.createKey({ role: 'ANALYST' }));
  headers['ANALYST+pii'] = server.auth(await server.createKey({ role: 'ANALYST', scopes: ['pii:read'] }));
  headers.SERVICE = server.auth(await server.createKey({ role: 'SERVICE' }));
  headers['SERVICE+pii'] = server.auth(await server.createKey({ role: 'SERVICE', scopes: ['pii:read'] }));
  headers.PARTNER = server.auth(await server.createKey({ role: 'PARTNER' }));
  headers.ANONYMOUS = {};

  const c = { name: marker('name'), email: `${marker('email')}@example.com`, phone: '+1 555 010 9999', externalId: marker('ext') };
  const created = await server.query<{ createCustomer: { customer: { id: string } } }>(
    `mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { id } } }`,
    { input: c },
  );
  customerId = created.createCustomer.customer.id;
  const consentSource = marker('consent-source');
  await server.query(
    `mutation($input: SetCommunicationPreferencesInput!) { setCommunicationPreferences(input: $input) { consentRecord { source } } }`,
    { input: { customerId, channels: [{ channel: 'SMS', status: 'OPTED_OUT' }], source: consentSource } },
  );
  fixtures.Customer = { id: customerId, values: { ...c, communicationPreferences: consentSource, consentHistory: consentSource } };

  const note = marker('note');
  const tp = await server.query<{ recordTouchpoint: { touchpoint: { id: string } } }>(
    `mutation($input: RecordTouchpointInput!) { recordTouchpoint(input: $input) { touchpoint { id } } }`,
    {
      input: {
        customerId,
        channel: 'PHONE',
        direction: 'OUTBOUND',
        response: 'CONTACT_LATER',
        occurredAt: new Date(Date.now() - 60_000).toISOString(),
        note,
      },
    },
  );
  fixtures.Touchpoint = { id: tp.recordTouchpoint.touchpoint.id, values: { note } };

  const reason = marker('reason');
  const moved = await server.query<{ transitionCustomerStage: { stageChange: { id: string } } }>(
    `mutation($input: TransitionCustomerStageInput!) { transitionCustomerStage(input: $input) { stageChange { id } } }`,
    { input: { customerId, to: 'ACQUIRED', reason } },
  );
  fixtures.StageChange = { id: moved.transitionCustomerStage.stageChange.id, values: { reason } };

  const events = await server.query<{ customerEvents: { nodes: { id: string; __typename: string }[] } }>(
    `query($ids: [ID!]) { customerEvents(first: 50, filter: { customerIds: $ids, types: [STAGE_CHANGED] }) { nodes { id __typename } } }`,
    { ids: [customerId] },
  );
  const stageEvent = events.customerEvents.nodes.at(-1)!;
  fixtures.StageChangedEvent = { id: stageEvent.id, values: { reason } };
  // The partner key sees the fixtures: their customer shares with it (partner-scope.int.test.ts tests the scope itself).
  await shareWithPartner(server.ds, TEST_PARTNER);
});
afterAll(async () => {
  await server?.stop();
});

it('has a fixture for every type that holds personal data', () => {
  const types = [...new Set(PERSONAL.map((f) => f.split('.')[0]))];
  expect(types.filter((t) => !fixtures[t])).toEqual([]);
  // Sanity: the matrix really covers the fields the issue names.
  expect(PERSONAL).toEqual(expect.arrayContaining(['Customer.name', 'Customer.email', 'Customer.phone', 'Touchpoint.note']));
});

const CASES = PERSONAL.flatMap((coordinate) => VIEWERS.map((viewer) => [coordinate, viewer] as const));

describe.each(CASES)('%s as %s', (coordinate, viewer) => {
  it(`gives ${EXPECTED[viewer]} and never leaks the value`, async () => {
    const [type, field] = coordinate.split('.');
    const fixture = fixtures[type];
    const value = fixture.values[field];
    const { text, json } = await raw(
      {
        query: `query($ids: [ID!]!) { nodes(ids: $ids) { __typename ... on ${type} { ${field} ${SUBSELECTIONS[coordinate] ?? ''} } } }`,
        variables: { ids: [fixture.id] },
      },
      headers[viewer],
    );
    const expected = EXPECTED[viewer];
    if (expected === 'value') {
      expect(json.errors).toBeUndefined();
      if (SUBSELECTIONS[coordinate]) expect(text).toContain(value);
      else expect(json.data).toEqual({ nodes: [{ __typename: type, [field]: value }] });
      return;
    }
    expect(text).not.toContain(value);
    if (expected === 'FORBIDDEN field') {
      // The object still arrives; only the personal field is null, with the error at its path.
      expect(json.data).toEqual({ nodes: [{ __typename: type, [field]: null }] });
      expect(json.errors).toEqual([
        expect.objectContaining({
          path: ['nodes', 0, field],
          extensions: expect.objectContaining({ code: 'FORBIDDEN', scope: 'pii:read' }),
        }),
      ]);
    } else {
      expect(json.data ?? null).toBeNull();
      expect(json.errors?.map((e) => e.extensions?.code)).toEqual([expected === 'UNAUTHENTICATED' ? 'UNAUTHENTICATED' : 'FORBIDDEN']);
    }
  });
});

describe('personal data through other doors', () => {
  it.each(['SERVICE', 'SERVICE+pii'] as const)(
    'a %s key reads personal fields of the customer its mutation returns only with pii:read',
    async (viewer) => {
      const { text, json } = await raw(
        { query: print(UpdateCustomerAsServiceDocument), variables: { input: { id: customerId } } },
        headers[viewer],
      );
      const customer = (json.data as { updateCustomer: { customer: Record<string, unknown> } }).updateCustomer.customer;
      if (viewer === 'SERVICE+pii') {
        expect(json.errors).toBeUndefined();
        expect(customer).toMatchObject({ name: fixtures.Customer.values.name, email: fixtures.Customer.values.email });
      } else {
        expect(customer).toMatchObject({ id: customerId, stage: 'ACQUIRED', name: null, email: null });
        expect(json.errors?.map((e) => [e.path?.join('.'), e.extensions?.code])).toEqual([
          ['updateCustomer.customer.name', 'FORBIDDEN'],
          ['updateCustomer.customer.email', 'FORBIDDEN'],
        ]);
        expect(text).not.toContain(fixtures.Customer.values.name);
        expect(text).not.toContain(fixtures.Customer.values.email);
      }
    },
  );

  it.each(VIEWERS)('searching customers by name or email as %s needs pii:read', async (viewer) => {
    const { json } = await raw(
      { query: print(CustomersSearchDocument), variables: { search: fixtures.Customer.values.name } },
      headers[viewer],
    );
    if (viewer === 'ADMIN' || viewer === 'ANALYST+pii') {
      expect(json.data).toMatchObject({ customers: { totalCount: 1 } });
      return;
    }
    // No count, no ids: the filter must not work as an oracle.
    expect(json.data ?? null).toBeNull();
    const code = viewer === 'ANONYMOUS' ? 'UNAUTHENTICATED' : 'FORBIDDEN';
    expect(json.errors?.map((e) => e.extensions?.code)).toEqual([code]);
  });

  it('a PARTNER subscriber gets events with personal fields nulled and FORBIDDEN, never the value', async () => {
    const partnerKey = headers.PARTNER.authorization;
    const messages: string[] = [];
    const client = createClient({
      url: server.wsUrl,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { authorization: partnerKey },
    });
    // Subscribing after the newest event's cursor replays anything that commits meanwhile: no race with the mutation below.
    const { latestCustomerEventCursor: after } = await server.query<{ latestCustomerEventCursor: string }>('{ latestCustomerEventCursor }');
    const query = `subscription($after: String) { customerEvents(after: $after) { type customer { id name } ... on StageChangedEvent { reason } } }`;
    let received = 0;
    const done = new Promise<void>((resolve, reject) => {
      client.subscribe(
        { query, variables: { after } },
        {
          next: (msg) => {
            messages.push(JSON.stringify(msg));
            received++;
            resolve();
          },
          error: reject,
          complete: () => resolve(),
        },
      );
    });
    const reason = marker('live-reason');
    await server.query(`mutation($input: TransitionCustomerStageInput!) { transitionCustomerStage(input: $input) { customer { id } } }`, {
      input: { customerId, to: 'CONVERTED', reason },
    });
    await done;
    await client.dispose();
    expect(received).toBeGreaterThan(0);
    const first = JSON.parse(messages[0]);
    expect(first.data.customerEvents).toMatchObject({ type: 'STAGE_CHANGED', customer: { id: customerId, name: null }, reason: null });
    expect(first.errors.map((e: { extensions: { code: string } }) => e.extensions.code)).toEqual(['FORBIDDEN', 'FORBIDDEN']);
    expect(messages.join('')).not.toContain(reason);
    expect(messages.join('')).not.toContain(fixtures.Customer.values.name);
  });
});
