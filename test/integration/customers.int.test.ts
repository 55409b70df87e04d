import { startTestServer, type TestServer } from '../support/server';
import {
  CreateCustomerDocument,
  CreatePersonaDocument,
  CustomerByIdDocument,
  CustomerPageDocument,
  NodeLookupDocument,
  NodesLookupDocument,
  UpdateCustomerDocument,
  type CustomerPageQuery,
} from '../generated/graphql';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

async function createCustomer(input: { name: string; email?: string; externalId?: string; personaId?: string }) {
  const data = await server.query(CreateCustomerDocument, { input });
  return data.createCustomer.customer;
}

describe('customers', () => {
  it('creates a customer with an initial stage history row', async () => {
    const c = await createCustomer({ name: 'Ada Lovelace', email: 'ada@example.com', externalId: 'crm-1' });
    expect(c.stage).toBe('IDENTIFIED');
    expect(c.stageHistory.totalCount).toBe(1);
    expect(c.stageHistory.nodes[0]).toMatchObject({ from: null, to: 'IDENTIFIED', trigger: 'MANUAL' });
    const again = await server.query(CustomerByIdDocument, { id: c.id });
    expect(again.customer?.name).toBe('Ada Lovelace');
  });

  it('updates profile fields and persona, and clears with null', async () => {
    const persona = (
      await server.query(CreatePersonaDocument, {
        input: { name: 'Event planner', description: 'Plans events', goals: ['Reliable venues'], preferredChannels: ['EMAIL', 'PHONE'] },
      })
    ).createPersona.persona;
    const c = await createCustomer({ name: 'Grace', email: 'grace@example.com' });
    const updated = await server.query(UpdateCustomerDocument, {
      input: { id: c.id, personaId: persona.id, email: null, phone: '+1 555 010 2030' },
    });
    expect(updated.updateCustomer.customer).toMatchObject({ email: null, phone: '+1 555 010 2030', persona: { id: persona.id } });
  });

  it('resolves node and nodes by global id, null for unknown ones', async () => {
    const c = await createCustomer({ name: 'Node Person' });
    const one = await server.query(NodeLookupDocument, { id: c.id });
    expect(one.node).toMatchObject({ id: c.id, __typename: 'Customer', name: 'Node Person' });
    const many = await server.query(NodesLookupDocument, { ids: [c.id, 'bm9wZToxMjM'] });
    expect(many.nodes).toEqual([{ id: c.id, __typename: 'Customer' }, null]);
  });

  it('pages through ties without skipping or repeating, both ways', async () => {
    // Same name for all, so only the id breaks ties.
    for (let i = 0; i < 7; i++) await createCustomer({ name: 'Tie Name' });
    const seen: string[] = [];
    let after: string | null | undefined = null;
    for (;;) {
      const page: CustomerPageQuery = await server.query(CustomerPageDocument, {
        first: 3,
        after,
        orderBy: 'NAME_ASC',
        filter: { search: 'tie name' },
      });
      seen.push(...page.customers.edges.map((e) => e.node.id));
      if (!page.customers.pageInfo.hasNextPage) break;
      after = page.customers.pageInfo.endCursor;
    }
    expect(seen).toHaveLength(7);
    expect(new Set(seen).size).toBe(7);

    const back = await server.query(CustomerPageDocument, { last: 3, before: null, orderBy: 'NAME_ASC', filter: { search: 'tie name' } });
    expect(back.customers.edges.map((e) => e.node.id)).toEqual(seen.slice(4));
    expect(back.customers.pageInfo.hasPreviousPage).toBe(true);
    const prev = await server.query(CustomerPageDocument, {
      last: 3,
      before: back.customers.pageInfo.startCursor,
      orderBy: 'NAME_ASC',
      filter: { search: 'tie name' },
    });
    expect(prev.customers.edges.map((e) => e.node.id)).toEqual(seen.slice(1, 4));
  });

  it('filters by stage, text and created range', async () => {
    await createCustomer({ name: 'Zed Filterable', email: 'zed@filter.example' });
    const byText = await server.query(CustomerPageDocument, { first: 10, filter: { search: 'FILTER.example' } });
    expect(byText.customers.edges.map((e) => e.node.name)).toEqual(['Zed Filterable']);
    const byStage = await server.query(CustomerPageDocument, { first: 10, filter: { stageIn: ['CHURNED'] } });
    expect(byStage.customers.totalCount).toBe(0);
    const future = await server.query(CustomerPageDocument, { first: 10, filter: { createdFrom: '2999-01-01T00:00:00Z' } });
    expect(future.customers.totalCount).toBe(0);
  });
});
