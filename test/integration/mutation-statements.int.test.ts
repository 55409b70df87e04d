/**
 * What every mutation costs in SQL statements, pinned. Each mutation of the
 * schema runs once over HTTP with valid input on a seeded database, must
 * succeed, and must send exactly the statements its budget says. A mutation
 * added to the schema without a budget fails here, and so does a change that
 * adds a statement to a mutation: a new cost is a decision, not an accident.
 *
 * What is counted (see StatementCounter): everything the server's DataSource
 * sends for the request except BEGIN/COMMIT and the per-request
 * authentication statements; work the mutation starts in the background
 * (re-scoring after purchases) is awaited and counted, it is the mutation's
 * cost. Not counted: the live event feed's re-read after a commit's NOTIFY
 * (`FROM customer_event e WHERE e.seq > $1`), which every instance does once
 * per notification whether anyone subscribes or not, and which coalesces
 * notifications by timing, so its count varies from run to run.
 *
 * The server has one database connection, which makes DataLoader batches (and
 * so the counts) the same on every run. The fit needs two (its advisory lock
 * holds one), so it runs on an instance of its own.
 */
import { print, type DocumentNode } from 'graphql';
import { getSchema } from '../../src/graphql/schema';
import { toGlobalId } from '../../src/shared/global-id';
import {
  CloseHoldingDocument,
  CreateApiKeyDocument,
  CreateCustomerDocument,
  CreatePersonaDocument,
  CreateProductDocument,
  CreateReferralDocument,
  EraseCustomerDocument,
  FitChurnModelDocument,
  MergeCustomersDocument,
  RecordPurchasesDocument,
  RecordTouchpointDocument,
  RevokeApiKeyDocument,
  SetPartnerSharingDocument,
  SetCommunicationPreferencesDocument,
  TransitionStageDocument,
  UnmergeCustomersDocument,
  UpdateCustomerDocument,
} from '../generated/graphql';
import {
  buildCustomerInput,
  buildPersonaInput,
  buildProductInput,
  buildPurchaseInput,
  buildTouchpointInput,
  insertCustomer,
  insertProduct,
  seedGraph,
  tableCounts,
  type Inserted,
  type Sql,
} from '../factories';
import { startTestServer, type GraphQLResponse, type TestServer } from '../support/server';

// A fit scores every customer; jest's default of 5 s is tight on a busy machine.
jest.setTimeout(60_000);

/** The fit's data moves this many customers to AT_RISK (3 statements each in its budget). */
const FIT_MOVES = 60;

/**
 * Statements per mutation for the input its case sends. "SET TRANSACTION" is
 * the isolation level TypeORM sends after BEGIN for every transaction;
 * "outbox" is the one statement that appends a transaction's events
 * (recordEvents); "lock" is the SELECT … FOR UPDATE of the customer row(s).
 * Payloads are read through the DataLoaders after the transaction.
 */
const BUDGETS: Record<string, number> = {
  // SET TRANSACTION, lock the holding, load it again (save), UPDATE; the payload is the saved entity. No event, no re-score.
  closeHolding: 4,
  // INSERT the key; the payload re-reads it. No transaction.
  createApiKey: 2,
  // SET TRANSACTION, persona exists?, external id taken?, INSERT customer, INSERT stage_change, outbox; payload: persona, stageHistory page, stageHistory totalCount.
  createCustomer: 9,
  // SET TRANSACTION, name taken?, INSERT; the payload is the inserted entity.
  createPersona: 3,
  // SET TRANSACTION, SKU taken?, INSERT; the payload is the inserted entity.
  createProduct: 3,
  // SET TRANSACTION, lock both customers, already referred?, loop check, referrer's referral count, referred's first purchase, INSERT,
  // outbox (REFERRAL_CREATED), FIRST_REFERRAL move (UPDATE customer with INSERT stage_change, outbox); payload: customers (one batch).
  createReferral: 11,
  // SET TRANSACTION, lock the customer, one UPDATE per module that erases (customer, touchpoint notes, stage-change reasons,
  // event payloads, consent sources, partner-sharing sources, merged profiles with the merge journal's copies), outbox
  // (CUSTOMER_ERASED), INSERT audit entry, reload the tombstone; after the commit, VACUUM of the touched tables (one
  // statement). The payload is the reloaded tombstone.
  eraseCustomer: 13,
  // Advisory lock, clock, stale statistics?, ANALYZE, calibration summaries, score tables left to drop?, INSERT model; scoring: purchasing
  // customers, 3 input reads (one id range); ranked in memory, then the model's own score table: SET TRANSACTION, CREATE, COPY scores with
  // tiers, its indexes (one message); its references added NOT VALID, validated, ATTACH as the model's partition (one message each, the
  // first and last with their lock_timeout); activation: SET TRANSACTION, lock the current model, 3 statements of holding statistics,
  // reload and UPDATE the model (a first fit: no previous scores to compare with, no previous partition to drop);
  // moves (lifecycle's applyAutomaticMovesInSql): SET TRANSACTION, lock the customers (switching the foreign-key triggers off), one statement
  // moving all of them (UPDATE customer, INSERT stage_change and their outbox events), triggers back on; late purchases, unlock.
  // The payload is the model in memory.
  fitChurnModel: 31,
  // SET TRANSACTION, lock every customer, INSERT customer_merge, journal the customers (personal copies + rows), holdings (one statement:
  // journal, drop, update), purchases/touchpoints/stage history with their journal and the tombstones' scores (one statement),
  // referrals dropped, referrals moved, tombstones, survivor, outbox; re-score the survivor: SET TRANSACTION, current model FOR SHARE,
  // 3 input reads, previous levels, upsert scores; payload: the merge's survivor (loader), persona, pages of holdings, purchases,
  // touchpoints and stage history, the holdings' products, four counts.
  mergeCustomers: 29,
  // SET TRANSACTION, lock the customers, products exist?, which customers bought before, INSERT purchases, upsert holdings, UPDATE last_purchase_at,
  // UPDATE referral conversions, outbox (PURCHASE_RECORDED ×3), FIRST_PURCHASE move of the prospect (UPDATE customer with INSERT stage_change, outbox);
  // background re-score: SET TRANSACTION, current model FOR SHARE, 3 input reads, previous levels, upsert scores; payload: products, customers.
  recordPurchases: 20,
  // SET TRANSACTION, lock the customer, consent and contact-cap check (outbound marketing), product exists?, INSERT, outbox; payload: product, customer.
  recordTouchpoint: 8,
  // SET TRANSACTION, UPDATE … RETURNING, free the key's subscription slots, NOTIFY the revocation; payload: the key.
  revokeApiKey: 5,
  // SET TRANSACTION, lock the customer, INSERT the consent record with the grant in force (one statement), outbox (CUSTOMER_SHARING_STARTED);
  // payload: the customer (loader); the record is the inserted row.
  setPartnerSharing: 5,
  // SET TRANSACTION, lock the customer, latest consent record, INSERT, outbox; payload: the customer (loader), their consent state (loader).
  setCommunicationPreferences: 7,
  // SET TRANSACTION, lock the customer, UPDATE customer with INSERT stage_change, outbox; the payload is the updated entities.
  transitionCustomerStage: 4,
  // SET TRANSACTION, the merge FOR UPDATE, lock the customers, referrals moved back, dropped referrals back, purchases/touchpoints/
  // stage history back (one statement), holdings changed back, dropped holdings back, survivor, tombstones, close the merge and its
  // journal, outbox, re-read the customers; re-score them: SET TRANSACTION, current model FOR SHARE, 3 input reads, previous levels,
  // upsert scores, lock those whose risk crossed into HIGH (none is in a stage that moves); payload: purchases page and count (one batch each).
  unmergeCustomers: 23,
  // SET TRANSACTION, lock the customer, UPDATE, outbox; payload: the customer again (loader), its persona.
  updateCustomer: 6,
};

let server: TestServer;
let fitServer: TestServer;

interface Fixtures {
  persona: Inserted;
  product: Inserted;
  /** A product nobody holds yet: buying it opens a holding. */
  newProduct: Inserted;
  /** A seeded customer with holdings, purchases and touchpoints (AT_RISK after the fit). */
  customer: Inserted;
  /** IDENTIFIED and never bought: a first purchase moves them to CONVERTED. */
  prospect: Inserted;
  /** RETAINED and has referred nobody: a first referral moves them to ADVOCATE. */
  referrer: Inserted;
  /** Nobody referred them yet. */
  referred: Inserted;
  /** RETAINED, to move to EXPANDING. */
  mover: Inserted;
  /** An ACTIVE holding. */
  holding: Inserted;
  /** An API key to revoke (global ID). */
  apiKey: string;
  /** A seeded customer with holdings, purchases, touchpoints and stage history, to erase. */
  erasable: Inserted;
  /** A customer already erased (a tombstone). */
  tombstone: Inserted;
  /** An ACTIVE holding of the tombstone. */
  tombstoneHolding: Inserted;
  /** Seeded customers with holdings and purchases: a survivor and two profiles to merge into it. */
  mergeInto: Inserted;
  toMerge: Inserted[];
  /** A merge made before the budgets run, for unmergeCustomers to undo. */
  mergeId: string;
}
let f: Fixtures;

/** Varied purchase histories over the past year (some customers stopped long ago), so the churn model fits. */
async function seedHistories(db: Sql): Promise<void> {
  await seedGraph(db, { customers: 60 });
  await db.query(`DELETE FROM purchase WHERE customer_id % 2 = 0`);
  await db.query(
    `INSERT INTO purchase (customer_id, product_id, occurred_at, quantity, amount)
     SELECT h.customer_id, h.product_id, now() - ((300 + h.customer_id % 90 - g * (7 + h.customer_id * 13 % 50)) || ' days')::interval, 1, (10 + (h.customer_id * 31 + g * 17) % 90)::numeric
     FROM (SELECT DISTINCT ON (customer_id) customer_id, product_id FROM holding ORDER BY customer_id, id) h
     CROSS JOIN LATERAL generate_series(0, (h.customer_id * 7 % 6)::int) g`,
  );
  await db.query(`UPDATE customer SET last_purchase_at = (SELECT max(occurred_at) FROM purchase p WHERE p.customer_id = customer.id)`);
}

const one = async (db: Sql, type: string, text: string): Promise<Inserted> => {
  const [{ id }] = await db.query<{ id: string }[]>(text);
  return { id: String(id), gid: toGlobalId(type, id) };
};

beforeAll(async () => {
  server = await startTestServer({ poolSize: 1 });
  fitServer = await startTestServer({ poolSize: 2 });
  await seedHistories(server.ds);
  await seedHistories(fitServer.ds);
  // The other mutations run with a current model, as in production: purchases are re-scored.
  const helper = await startTestServer({ sameDatabaseAs: server, poolSize: 2 });
  try {
    await helper.query(`mutation { fitChurnModel(input: {}) { scoredCustomers } }`);
  } finally {
    await helper.stop();
  }
  const db = server.ds;
  await server.createKey({ role: 'PARTNER', label: 'to revoke' });
  const tombstone = await insertCustomer(db, { name: '' });
  await db.query(`UPDATE customer SET erased_at = now() WHERE id = $1`, [tombstone.id]);
  f = {
    persona: await one(db, 'Persona', `SELECT id FROM persona ORDER BY id LIMIT 1`),
    product: await one(db, 'Product', `SELECT id FROM product ORDER BY id LIMIT 1`),
    newProduct: await insertProduct(db),
    customer: await one(
      db,
      'Customer',
      `SELECT c.id FROM customer c WHERE EXISTS (SELECT 1 FROM holding h WHERE h.customer_id = c.id) ORDER BY c.id LIMIT 1`,
    ),
    prospect: await insertCustomer(db, { name: 'Prospect' }),
    referrer: await insertCustomer(db, { name: 'Referrer', stage: 'RETAINED' }),
    referred: await insertCustomer(db, { name: 'Referred' }),
    mover: await insertCustomer(db, { name: 'Mover', stage: 'RETAINED' }),
    holding: await one(db, 'Holding', `SELECT id FROM holding WHERE status = 'ACTIVE' ORDER BY id DESC LIMIT 1`),
    apiKey: (await one(db, 'ApiKey', `SELECT id FROM api_key WHERE label = 'to revoke'`)).gid,
    erasable: await one(
      db,
      'Customer',
      // Not the owner of `holding` (the newest), which closeHolding closes.
      `SELECT c.id FROM customer c WHERE EXISTS (SELECT 1 FROM holding h WHERE h.customer_id = c.id) ORDER BY c.id DESC OFFSET 1 LIMIT 1`,
    ),
    tombstone,
    tombstoneHolding: await one(
      db,
      'Holding',
      `INSERT INTO holding (customer_id, product_id, since, status)
       VALUES (${tombstone.id}, (SELECT min(id) FROM product), now() - interval '1 day', 'ACTIVE') RETURNING id`,
    ),
    ...(await mergeFixtures(db)),
  };
});

/** Customers 2–6 of those with holdings: 2 survives 3 and 4 in the budget run; 5 was merged into 6 beforehand. */
async function mergeFixtures(db: Sql): Promise<Pick<Fixtures, 'mergeInto' | 'toMerge' | 'mergeId'>> {
  const rows = await db.query<{ id: string }[]>(
    `SELECT c.id::text AS id FROM customer c WHERE EXISTS (SELECT 1 FROM holding h WHERE h.customer_id = c.id) ORDER BY c.id OFFSET 1 LIMIT 5`,
  );
  const [a, b, c, d, e] = rows.map((r) => ({ id: r.id, gid: toGlobalId('Customer', r.id) }));
  const merged = await server.query(MergeCustomersDocument, { input: { survivorId: e.gid, mergedIds: [d.gid] } });
  return { mergeInto: a, toMerge: [b, c], mergeId: merged.mergeCustomers.merge.id };
}

afterAll(async () => {
  await fitServer?.stop();
  await server?.stop();
});

interface Case {
  doc: DocumentNode;
  variables: () => Record<string, unknown>;
  /** The instance to run on (default the one-connection server). */
  on?: () => TestServer;
  /** Checks on the payload beyond "succeeded". */
  check?: (payload: Record<string, unknown>) => void;
}

const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();

/** One valid run per mutation, with the payload selection the tests in test/operations use. */
const CASES: Record<string, Case> = {
  closeHolding: {
    doc: CloseHoldingDocument,
    variables: () => ({ input: { holdingId: f.holding.gid } }),
    check: (p) => expect(p).toMatchObject({ holding: { status: 'CLOSED' } }),
  },
  createApiKey: {
    doc: CreateApiKeyDocument,
    variables: () => ({ input: { label: 'Shop integration', role: 'SERVICE', scopes: ['PII_READ'] } }),
  },
  createCustomer: {
    doc: CreateCustomerDocument,
    variables: () => ({ input: buildCustomerInput({ personaId: f.persona.gid, externalId: 'crm-statements-1' }) }),
    check: (p) => expect(p).toMatchObject({ customer: { persona: { id: f.persona.gid }, stageHistory: { totalCount: 1 } } }),
  },
  createPersona: { doc: CreatePersonaDocument, variables: () => ({ input: buildPersonaInput() }) },
  createProduct: { doc: CreateProductDocument, variables: () => ({ input: buildProductInput() }) },
  createReferral: {
    doc: CreateReferralDocument,
    variables: () => ({ input: { referrerId: f.referrer.gid, referredId: f.referred.gid, sourceChannel: 'EMAIL' } }),
    check: (p) => expect(p).toMatchObject({ referral: { referrer: { id: f.referrer.gid, stage: 'ADVOCATE' } } }),
  },
  eraseCustomer: {
    doc: EraseCustomerDocument,
    variables: () => ({ input: { customerId: f.erasable.gid, reason: 'Erasure request, ticket 7' } }),
    check: (p) => expect(p).toMatchObject({ vacuumed: true, customer: { id: f.erasable.gid, name: null, erasedAt: expect.any(String) } }),
  },
  fitChurnModel: {
    doc: FitChurnModelDocument,
    variables: () => ({ input: {} }),
    on: () => fitServer,
    check: (p) => expect(p).toMatchObject({ scoredCustomers: 60, movedToAtRisk: FIT_MOVES, model: { isCurrent: true } }),
  },
  mergeCustomers: {
    doc: MergeCustomersDocument,
    variables: () => ({ input: { survivorId: f.mergeInto.gid, mergedIds: f.toMerge.map((c) => c.gid) } }),
    check: (p) => expect(p).toMatchObject({ survivor: { id: f.mergeInto.gid }, merge: { mergedIds: f.toMerge.map((c) => c.gid) } }),
  },
  unmergeCustomers: {
    doc: UnmergeCustomersDocument,
    variables: () => ({ mergeId: f.mergeId }),
    check: (p) => expect(p).toMatchObject({ merge: { id: f.mergeId, unmergedAt: expect.any(String) } }),
  },
  recordPurchases: {
    doc: RecordPurchasesDocument,
    variables: () => ({
      input: {
        purchases: [
          buildPurchaseInput(f.prospect.gid, { productId: f.product.gid, occurredAt: hoursAgo(1) }),
          buildPurchaseInput(f.customer.gid, { productId: f.newProduct.gid, occurredAt: hoursAgo(2) }),
          buildPurchaseInput(f.customer.gid, { occurredAt: hoursAgo(3), amount: '5.00' }),
        ],
      },
    }),
    check: (p) =>
      expect((p.purchases as { customer: { id: string; stage: string } }[]).map((x) => x.customer)).toMatchObject([
        { id: f.prospect.gid, stage: 'CONVERTED' },
        { id: f.customer.gid },
        { id: f.customer.gid },
      ]),
  },
  recordTouchpoint: {
    doc: RecordTouchpointDocument,
    variables: () => ({
      input: buildTouchpointInput(f.customer.gid, { productId: f.product.gid, campaign: 'spring', note: 'Asked about savings.' }),
    }),
  },
  revokeApiKey: {
    doc: RevokeApiKeyDocument,
    variables: () => ({ input: { id: f.apiKey } }),
    check: (p) => expect(p).toMatchObject({ apiKey: { id: f.apiKey, revokedAt: expect.any(String) } }),
  },
  setPartnerSharing: {
    doc: SetPartnerSharingDocument,
    variables: () => ({ input: { customerId: f.customer.gid, partner: 'acme-travel', share: true, source: 'booking form' } }),
    check: (p) =>
      expect(p).toMatchObject({ changed: true, sharing: { partner: 'acme-travel', shared: true }, customer: { id: f.customer.gid } }),
  },
  setCommunicationPreferences: {
    doc: SetCommunicationPreferencesDocument,
    variables: () => ({
      input: {
        customerId: f.referred.gid,
        channels: [
          { channel: 'SMS', status: 'OPTED_OUT' },
          { channel: 'EMAIL', status: 'OPTED_IN' },
        ],
        preferredChannel: 'EMAIL',
        source: 'preference centre',
      },
    }),
    check: (p) =>
      expect(p).toMatchObject({
        consentRecord: { preferredChannel: 'EMAIL' },
        customer: {
          id: f.referred.gid,
          communicationPreferences: { preferredChannel: 'EMAIL', contactability: { recommendedChannel: 'EMAIL' } },
        },
      }),
  },
  transitionCustomerStage: {
    doc: TransitionStageDocument,
    variables: () => ({ input: { customerId: f.mover.gid, to: 'EXPANDING', reason: 'Opened a second account.' } }),
    check: (p) => expect(p).toMatchObject({ customer: { stage: 'EXPANDING' }, stageChange: { from: 'RETAINED', to: 'EXPANDING' } }),
  },
  updateCustomer: {
    doc: UpdateCustomerDocument,
    variables: () => ({ input: { id: f.customer.gid, name: 'Renamed', email: 'renamed@example.com' } }),
    check: (p) => expect(p).toMatchObject({ customer: { name: 'Renamed' } }),
  },
};

const isTransactionControl = (s: string) => /^(START TRANSACTION|COMMIT|ROLLBACK|BEGIN)/i.test(s.trim());
const isFeedRead = (s: string) => /FROM customer_event e WHERE e\.seq > \$1 ORDER BY e\.seq LIMIT \$2$/.test(s.trim());

/** Runs `doc` on `target` and returns the body and the statements it cost (see the file comment). */
async function measure(target: TestServer, doc: DocumentNode, variables: Record<string, unknown>) {
  await target.app.services.analytics.models.idle();
  target.counter.reset();
  const body: GraphQLResponse<Record<string, unknown>> = await target.request(print(doc), variables);
  await target.app.services.analytics.models.idle();
  return { body, statements: target.counter.statements.filter((s) => !isTransactionControl(s) && !isFeedRead(s)) };
}

const mutations = Object.keys(getSchema().getMutationType()!.getFields()).sort();

describe('statement budgets', () => {
  it('has a case and a budget for every mutation of the schema, and none for a mutation that is gone', () => {
    expect(mutations.length).toBeGreaterThanOrEqual(12);
    expect(Object.keys(CASES).sort()).toEqual(mutations);
    expect(Object.keys(BUDGETS).sort()).toEqual(mutations);
  });

  it.each(mutations)('%s succeeds and sends exactly its budget of statements', async (name) => {
    const c = CASES[name];
    if (!c) throw new Error(`No case for the mutation ${name}: add one to CASES and its statement count to BUDGETS.`);
    const { body, statements } = await measure(c.on?.() ?? server, c.doc, c.variables());
    expect(body.errors).toBeUndefined();
    const payload = body.data?.[name] as Record<string, unknown>;
    expect(payload).toBeTruthy();
    c.check?.(payload);
    if (statements.length !== BUDGETS[name]) {
      const listing = statements.map((s, i) => `${i + 1}. ${s.replace(/\s+/g, ' ').trim().slice(0, 160)}`).join('\n');
      throw new Error(`${name} sent ${statements.length} statements, its budget is ${BUDGETS[name]}:\n${listing}`);
    }
  });
});

describe('batch writes cost the same whatever their size', () => {
  it('recordPurchases moves 1 or 20 prospects to CONVERTED in the same number of statements', async () => {
    const costFor = async (n: number) => {
      const prospects = await Promise.all(
        Array.from({ length: n }, (_, i) => insertCustomer(server.ds, { name: `Batch prospect ${n}-${i}` })),
      );
      const { body, statements } = await measure(server, RecordPurchasesDocument, {
        input: { purchases: prospects.map((p) => buildPurchaseInput(p.gid, { productId: f.product.gid, occurredAt: hoursAgo(1) })) },
      });
      expect(body.errors).toBeUndefined();
      expect(
        (body.data!.recordPurchases as { purchases: { customer: { stage: string } }[] }).purchases.every(
          (x) => x.customer.stage === 'CONVERTED',
        ),
      ).toBe(true);
      return statements.length;
    };
    expect(await costFor(20)).toBe(await costFor(1));
  });
});

describe('merges cost the same whatever their size', () => {
  it('mergeCustomers folds 1 or 5 profiles, with all their rows, in the same number of statements', async () => {
    const rows = await server.ds.query<{ id: string }[]>(
      `SELECT c.id::text AS id FROM customer c WHERE c.merged_into IS NULL AND EXISTS (SELECT 1 FROM purchase p WHERE p.customer_id = c.id)
       ORDER BY c.id DESC LIMIT 8`,
    );
    const gids = rows.map((r) => toGlobalId('Customer', r.id));
    const costOf = async (survivorId: string, mergedIds: string[]) => {
      const { body, statements } = await measure(server, MergeCustomersDocument, { input: { survivorId, mergedIds } });
      expect(body.errors).toBeUndefined();
      return statements.length;
    };
    expect(await costOf(gids[0], gids.slice(1, 6))).toBe(await costOf(gids[6], [gids[7]]));
  });
});

describe('a mutation refused for bad input writes nothing', () => {
  const unknownCustomer = () => toGlobalId('Customer', '987654321');
  const unknownProduct = () => toGlobalId('Product', '987654321');
  const far = '2999-01-01T00:00:00.000Z';

  const REFUSALS: {
    name: string;
    doc: DocumentNode;
    variables: () => Record<string, unknown>;
    code: string;
    field: string;
    tables: string[];
  }[] = [
    {
      name: 'createCustomer: bad email',
      doc: CreateCustomerDocument,
      variables: () => ({ input: buildCustomerInput({ email: 'not-an-email' }) }),
      code: 'BAD_USER_INPUT',
      field: 'input.email',
      tables: ['customer', 'stage_change', 'customer_event'],
    },
    {
      name: 'createCustomer: unknown persona',
      doc: CreateCustomerDocument,
      variables: () => ({ input: buildCustomerInput({ personaId: toGlobalId('Persona', '987654321') }) }),
      code: 'NOT_FOUND',
      field: 'input.personaId',
      tables: ['customer', 'stage_change', 'customer_event'],
    },
    {
      name: 'recordPurchases: the last of three names an unknown customer',
      doc: RecordPurchasesDocument,
      variables: () => ({
        input: {
          purchases: [
            buildPurchaseInput(f.customer.gid, { occurredAt: hoursAgo(4) }),
            buildPurchaseInput(f.prospect.gid, { occurredAt: hoursAgo(5) }),
            buildPurchaseInput(unknownCustomer()),
          ],
        },
      }),
      code: 'NOT_FOUND',
      field: 'input.purchases[2].customerId',
      tables: ['purchase', 'holding', 'customer_event', 'stage_change'],
    },
    {
      name: 'recordPurchases: the last of three is in the future',
      doc: RecordPurchasesDocument,
      variables: () => ({
        input: {
          purchases: [
            buildPurchaseInput(f.customer.gid, { occurredAt: hoursAgo(4) }),
            buildPurchaseInput(f.referred.gid, { productId: f.product.gid }),
            buildPurchaseInput(f.customer.gid, { occurredAt: far }),
          ],
        },
      }),
      code: 'BAD_USER_INPUT',
      field: 'input.purchases[2].occurredAt',
      tables: ['purchase', 'holding', 'customer_event', 'stage_change'],
    },
    {
      name: 'mergeCustomers: the last merged profile is unknown',
      doc: MergeCustomersDocument,
      variables: () => ({ input: { survivorId: f.customer.gid, mergedIds: [f.prospect.gid, unknownCustomer()] } }),
      code: 'NOT_FOUND',
      field: 'input.mergedIds[1]',
      tables: ['customer', 'purchase', 'holding', 'customer_event'],
    },
    {
      name: 'recordTouchpoint: unknown product',
      doc: RecordTouchpointDocument,
      variables: () => ({ input: buildTouchpointInput(f.customer.gid, { productId: unknownProduct() }) }),
      code: 'NOT_FOUND',
      field: 'input.productId',
      tables: ['touchpoint', 'customer_event'],
    },
    {
      name: 'setCommunicationPreferences: unknown customer',
      doc: SetCommunicationPreferencesDocument,
      variables: () => ({ input: { customerId: unknownCustomer(), contactCap: 2, source: 'test' } }),
      code: 'NOT_FOUND',
      field: 'input.customerId',
      tables: ['consent_record', 'customer_event'],
    },
    {
      name: 'recordTouchpoint: in the future',
      doc: RecordTouchpointDocument,
      variables: () => ({ input: buildTouchpointInput(f.customer.gid, { occurredAt: far }) }),
      code: 'BAD_USER_INPUT',
      field: 'input.occurredAt',
      tables: ['touchpoint', 'customer_event'],
    },
    {
      name: 'recordTouchpoint: an erased customer',
      doc: RecordTouchpointDocument,
      variables: () => ({ input: buildTouchpointInput(f.tombstone.gid) }),
      code: 'CUSTOMER_ERASED',
      field: 'input.customerId',
      tables: ['touchpoint', 'customer_event'],
    },
    {
      name: "closeHolding: an erased customer's holding",
      doc: CloseHoldingDocument,
      variables: () => ({ input: { holdingId: f.tombstoneHolding.gid } }),
      code: 'CUSTOMER_ERASED',
      field: 'input.holdingId',
      tables: ['holding'],
    },
    {
      name: 'eraseCustomer: unknown customer',
      doc: EraseCustomerDocument,
      variables: () => ({ input: { customerId: unknownCustomer(), reason: 'Erasure request' } }),
      code: 'NOT_FOUND',
      field: 'input.customerId',
      tables: ['customer', 'customer_event'],
    },
    {
      name: 'eraseCustomer: already erased',
      doc: EraseCustomerDocument,
      variables: () => ({ input: { customerId: f.tombstone.gid, reason: 'Erasure request' } }),
      code: 'CUSTOMER_ERASED',
      field: 'input.customerId',
      tables: ['customer', 'customer_event'],
    },
  ];

  it.each(REFUSALS)('$name', async ({ doc, variables, code, field, tables }) => {
    await server.app.services.analytics.models.idle();
    const before = await tableCounts(server.ds);
    for (const t of tables) expect(before[t]).toBeGreaterThan(0);
    const body = await server.request(print(doc), variables());
    await server.app.services.analytics.models.idle();
    expect(body.errors?.[0]?.extensions).toMatchObject({ code, field });
    const after = await tableCounts(server.ds);
    expect(Object.fromEntries(tables.map((t) => [t, after[t]]))).toEqual(Object.fromEntries(tables.map((t) => [t, before[t]])));
    expect(after).toEqual(before);
  });
});
