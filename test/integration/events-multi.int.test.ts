/**
 * Instances share nothing but PostgreSQL: two separate server processes on one
 * database, a change made through one reaching subscribers on the other.
 */
import { createTestDatabase, type TestDatabase } from '../support/database';
import {
  CreateCustomerDocument,
  LatestEventCursorDocument,
  OnCustomerEventsLeanDocument,
  OnStageChangedDocument,
  TransitionStageDocument,
} from '../generated/graphql';
import { httpClient, startServerProcess, subscribe, type ServerProcess } from './events-support';

let db: TestDatabase;
let a: ServerProcess;
let b: ServerProcess;

beforeAll(async () => {
  db = await createTestDatabase();
  [a, b] = await Promise.all([startServerProcess(db.url), startServerProcess(db.url)]);
});
afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await db?.drop();
});

it('delivers a change made through instance A to subscribers on instance B, and the reverse, in the same order', async () => {
  expect(a.pid).not.toBe(b.pid);
  expect(a.url).not.toBe(b.url);
  const httpA = httpClient(a.url);
  const httpB = httpClient(b.url);
  const after = (await httpB.query(LatestEventCursorDocument, {})).latestCustomerEventCursor;
  const onB = subscribe(b.wsUrl, OnCustomerEventsLeanDocument, { after });
  const onA = subscribe(a.wsUrl, OnCustomerEventsLeanDocument, { after });
  const stagesOnB = subscribe(b.wsUrl, OnStageChangedDocument, { after, filter: { to: ['ACQUIRED'] } });

  const viaA = (await httpA.query(CreateCustomerDocument, { input: { name: 'Created through A' } })).createCustomer.customer;
  const viaB = (await httpB.query(CreateCustomerDocument, { input: { name: 'Created through B' } })).createCustomer.customer;
  await httpA.query(TransitionStageDocument, { input: { customerId: viaB.id, to: 'ACQUIRED', reason: 'moved through A' } });

  const expected = [`CUSTOMER_CREATED ${viaA.id}`, `CUSTOMER_CREATED ${viaB.id}`, `STAGE_CHANGED ${viaB.id}`];
  const seen = (items: { customerEvents: { type: string; customer: { id: string } | null } }[]) =>
    items.map((d) => `${d.customerEvents.type} ${d.customerEvents.customer?.id}`);
  expect(seen(await onB.waitFor(3))).toEqual(expected);
  expect(seen(await onA.waitFor(3))).toEqual(expected);
  expect(onA.items.map((d) => d.customerEvents.cursor)).toEqual(onB.items.map((d) => d.customerEvents.cursor));
  expect((await stagesOnB.waitFor(1))[0].customerStageChanged).toMatchObject({
    to: 'ACQUIRED',
    reason: 'moved through A',
    customer: { id: viaB.id },
  });
  await Promise.all([onA.dispose(), onB.dispose(), stagesOnB.dispose()]);
});
