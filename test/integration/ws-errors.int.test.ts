/**
 * Masked errors over WebSocket carry a request id, as over HTTP: each
 * operation (graphql-ws `subscribe` message) has its own, and the server log
 * ties it to the error ids. Provoked for real by hiding a table for a moment.
 */
import { parse } from 'graphql';
import { startApp, type App } from '../../src/app';
import { createLogger } from '../../src/shared/logger';
import { createTestDatabase, openDataSource, type TestDatabase } from '../support/database';
import { httpClient, subscribe, TEST_ADMIN_KEY, type FormattedError } from './events-support';
import type { DataSource } from 'typeorm';

let db: TestDatabase;
let ds: DataSource;
let app: App;
let wsUrl: string;
let http: ReturnType<typeof httpClient>;
const lines: string[] = [];
const logged = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);

beforeAll(async () => {
  db = await createTestDatabase();
  ds = await openDataSource(db.url);
  const unthrottled = { rateLimitPerMinute: 1_000_000, anonymousRateLimitPerMinute: 1_000_000, maxSubscriptionsPerKey: 10_000 };
  app = await startApp({
    config: { host: '127.0.0.1', port: 0, adminApiKey: TEST_ADMIN_KEY, ...unthrottled },
    ds,
    log: createLogger('error', (l) => lines.push(l)),
  });
  wsUrl = app.url.replace(/^http/, 'ws');
  http = httpClient(app.url);
});
afterAll(async () => {
  await app?.stop();
  await ds?.destroy();
  await db?.drop();
});

async function withPersonaTableHidden<T>(run: () => Promise<T>): Promise<T> {
  await ds.query(`ALTER TABLE persona RENAME TO persona_hidden`);
  try {
    return await run();
  } finally {
    await ds.query(`ALTER TABLE persona_hidden RENAME TO persona`);
  }
}

/** Checks one masked error: code, error id, request id, nothing leaked, and the log lines that tie them together. */
function expectMasked(error: FormattedError): string {
  expect(error.extensions).toEqual({
    code: 'INTERNAL_SERVER_ERROR',
    errorId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    requestId: expect.any(String),
  });
  expect(JSON.stringify(error)).not.toMatch(/persona_hidden|relation|SELECT/i);
  const { errorId, requestId } = error.extensions as { errorId: string; requestId: string };
  expect(logged()).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ msg: 'unexpected error', errorId }),
      expect.objectContaining({ msg: 'request failed with an internal error', requestId, transport: 'ws', errorIds: [errorId] }),
    ]),
  );
  return requestId;
}

describe('masked errors over WebSocket', () => {
  it('carry the request id of their operation, one per operation, in the response and the log', async () => {
    const personas = parse('{ personas(first: 1) { totalCount nodes { id } } }');
    const [first, second] = await withPersonaTableHidden(async () => {
      const subs = [subscribe(wsUrl, personas, {}), subscribe(wsUrl, personas, {})];
      await Promise.all(subs.map((s) => s.ended()));
      await Promise.all(subs.map((s) => s.dispose()));
      return subs.map((s) => s.errors);
    });
    expect([first.length, second.length]).toEqual([1, 1]);
    const ids = [expectMasked(first[0]), expectMasked(second[0])];
    expect(new Set(ids).size).toBe(2);
  });

  it('in an event delivered to a subscription', async () => {
    const persona = (
      await http.query<{ createPersona: { persona: { id: string } } }, object>(
        parse('mutation ($input: CreatePersonaInput!) { createPersona(input: $input) { persona { id } } }'),
        { input: { name: 'Hidden persona', description: 'Its table is renamed during the test.' } },
      )
    ).createPersona.persona;
    const customer = (
      await http.query<{ createCustomer: { customer: { id: string } } }, object>(
        parse('mutation ($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { id } } }'),
        { input: { name: 'Event target', personaId: persona.id } },
      )
    ).createCustomer.customer;
    const latest = (await http.query<{ latestCustomerEventCursor: string }, object>(parse('{ latestCustomerEventCursor }'), {}))
      .latestCustomerEventCursor;
    const sub = subscribe(
      wsUrl,
      parse(
        'subscription ($after: String, $ids: [ID!]) { customerEvents(after: $after, filter: { customerIds: $ids }) { type customer { persona { name } } } }',
      ),
      { after: latest, ids: [customer.id] },
    );
    try {
      await withPersonaTableHidden(async () => {
        await http.query(parse('mutation ($input: UpdateCustomerInput!) { updateCustomer(input: $input) { customer { id } } }'), {
          input: { id: customer.id, name: 'Event target, renamed' },
        });
        await sub.waitFor(1);
      });
      expect(sub.errors).toHaveLength(1);
      expect(sub.errors[0]).toMatchObject({ path: ['customerEvents', 'customer', 'persona'] });
      expectMasked(sub.errors[0]);
    } finally {
      await sub.dispose();
    }
  });
});
