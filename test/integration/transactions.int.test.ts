/**
 * Services join a caller's transaction: passed an EntityManager inside one,
 * a service writes in it instead of opening its own, so one transaction spans
 * several services and is kept or dropped whole, events included.
 */
import { inTransaction } from '../../src/db/transaction';
import { CreateCustomerInput } from '../../src/modules/customers/customer.inputs';
import { RecordTouchpointInput } from '../../src/modules/touchpoints/touchpoint.inputs';
import { toGlobalId } from '../../src/shared/global-id';
import { startTestServer, type TestServer } from '../support/server';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

const count = async (table: string) => Number((await server.ds.query(`SELECT count(*) AS n FROM ${table}`))[0].n);

async function createWithTouchpoint(name: string, fail: boolean): Promise<void> {
  const { customers, touchpoints, lifecycle } = server.app.services;
  await inTransaction(server.ds, async (em) => {
    const customer = await customers.create(Object.assign(new CreateCustomerInput(), { name, stage: 'ACQUIRED' }), em);
    const id = toGlobalId('Customer', customer.id);
    await touchpoints.record(
      Object.assign(new RecordTouchpointInput(), {
        customerId: id,
        channel: 'EMAIL',
        direction: 'OUTBOUND',
        occurredAt: new Date(),
        response: 'POSITIVE_INTEREST',
      }),
      em,
    );
    await lifecycle.transition({ customerId: id, to: 'CONVERTED' as never, reason: 'Signed up.' }, em);
    if (fail) throw new Error('dropped on purpose');
  });
}

it('keeps every service write of one transaction, and its events, together', async () => {
  const before = { customer: await count('customer'), touchpoint: await count('touchpoint'), event: await count('customer_event') };
  await createWithTouchpoint('Spanning', false);
  expect(await count('customer')).toBe(before.customer + 1);
  expect(await count('touchpoint')).toBe(before.touchpoint + 1);
  // CUSTOMER_CREATED, TOUCHPOINT_RECORDED, STAGE_CHANGED
  expect(await count('customer_event')).toBe(before.event + 3);
  const [row] = await server.ds.query(`SELECT stage FROM customer WHERE name = 'Spanning'`);
  expect(row.stage).toBe('CONVERTED');
});

it('drops every service write of one transaction, and its events, when the caller fails', async () => {
  const before = {
    customer: await count('customer'),
    touchpoint: await count('touchpoint'),
    event: await count('customer_event'),
    stage: await count('stage_change'),
  };
  await expect(createWithTouchpoint('Dropped', true)).rejects.toThrow('dropped on purpose');
  expect({
    customer: await count('customer'),
    touchpoint: await count('touchpoint'),
    event: await count('customer_event'),
    stage: await count('stage_change'),
  }).toEqual(before);
});

it('refuses an EntityManager that is not inside a transaction', async () => {
  await expect(
    server.app.services.customers.create(Object.assign(new CreateCustomerInput(), { name: 'Outside' }), server.ds.manager),
  ).rejects.toThrow(/not inside a transaction/);
});
