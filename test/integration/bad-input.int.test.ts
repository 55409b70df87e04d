/**
 * Every mutation and paged query against bad input, over real HTTP on real
 * PostgreSQL. Each case asserts the error code, the field it names, and that
 * the database is exactly as it was (row counts and contents of every table).
 */
import { print, type DocumentNode } from 'graphql';
import { toGlobalId } from '../../src/shared/global-id';
import { encodeCursor } from '../../src/shared/cursor';
import { MAX_PAGE_SIZE } from '../../src/shared/pagination';
import {
  CloseHoldingDocument,
  CreateCustomerDocument,
  CreatePersonaDocument,
  CreateProductDocument,
  CreateReferralDocument,
  CustomerByIdDocument,
  CustomerPageDocument,
  NestedTouchpointPageDocument,
  NodesLookupDocument,
  RecordPurchasesDocument,
  RecordTouchpointDocument,
  TouchpointsFilteredDocument,
  TransitionStageDocument,
  UpdateCustomerDocument,
} from '../generated/graphql';
import {
  buildCustomerInput,
  buildPersonaInput,
  buildProductInput,
  buildPurchaseInput,
  buildTouchpointInput,
  insertCustomer,
  insertPersona,
  insertProduct,
  tableSnapshot,
  type Inserted,
} from '../factories';
import { startTestServer, type GraphQLResponse } from '../support/server';

let server: Awaited<ReturnType<typeof startTestServer>>;

/** What the cases run against, made once in beforeAll. */
interface Fixtures {
  persona: Inserted & { name: string };
  product: Inserted & { sku: string };
  /** IDENTIFIED, external id "crm-taken". */
  ada: Inserted;
  /** RETAINED, referred by ada, holds `product` (ACTIVE) and a CLOSED holding. */
  bob: Inserted;
  /** RETAINED, nobody referred them. */
  cy: Inserted;
  holding: Inserted & { since: string };
  closedHolding: Inserted;
  referral: Inserted;
  stageChange: Inserted;
}
let f: Fixtures;

const UNKNOWN = '987654321';
const unknownCustomer = () => toGlobalId('Customer', UNKNOWN);
const far = '2999-01-01T00:00:00.000Z';
const before1900 = '1899-12-31T00:00:00.000Z';

beforeAll(async () => {
  server = await startTestServer();
  const db = server.ds;
  const persona = { ...(await insertPersona(db, { name: 'Existing persona' })), name: 'Existing persona' };
  const product = { ...(await insertProduct(db, { sku: 'SKU-EXISTS' })), sku: 'SKU-EXISTS' };
  const other = await insertProduct(db, { sku: 'SKU-OTHER' });
  const ada = await insertCustomer(db, { name: 'Ada', externalId: 'crm-taken' });
  const bob = await insertCustomer(db, { name: 'Bob', stage: 'RETAINED', lastPurchaseAt: new Date('2024-01-02T00:00:00Z') });
  const cy = await insertCustomer(db, { name: 'Cy', stage: 'RETAINED' });
  const since = '2024-01-02T00:00:00.000Z';
  const [h] = await db.query<{ id: string }[]>(
    `INSERT INTO holding (customer_id, product_id, since, status) VALUES ($1, $2, $3, 'ACTIVE') RETURNING id`,
    [bob.id, product.id, since],
  );
  const [hc] = await db.query<{ id: string }[]>(
    `INSERT INTO holding (customer_id, product_id, since, status, closed_at) VALUES ($1, $2, $3, 'CLOSED', $4) RETURNING id`,
    [bob.id, other.id, since, '2024-02-01T00:00:00Z'],
  );
  await db.query(`INSERT INTO purchase (customer_id, product_id, occurred_at, quantity, amount) VALUES ($1, $2, $3, 1, 10)`, [
    bob.id,
    product.id,
    since,
  ]);
  const [r] = await db.query<{ id: string }[]>(
    `INSERT INTO referral (referrer_id, referred_id, source_channel) VALUES ($1, $2, 'EMAIL') RETURNING id`,
    [ada.id, bob.id],
  );
  const [sc] = await db.query<{ id: string }[]>(`SELECT id FROM stage_change WHERE customer_id = $1`, [ada.id]);
  f = {
    persona,
    product,
    ada,
    bob,
    cy,
    holding: { id: String(h.id), gid: toGlobalId('Holding', h.id), since },
    closedHolding: { id: String(hc.id), gid: toGlobalId('Holding', hc.id) },
    referral: { id: String(r.id), gid: toGlobalId('Referral', r.id) },
    stageChange: { id: String(sc.id), gid: toGlobalId('StageChange', sc.id) },
  };
});
afterAll(async () => {
  await server?.stop();
});

type Doc = DocumentNode | string;
interface Case {
  /** What is wrong, as the test title. */
  name: string;
  doc: Doc;
  vars: () => Record<string, unknown>;
  code: string;
  /** `extensions.field`; undefined when the error concerns no single field. */
  field?: string;
  /** Extra checks on the first error. */
  check?: (error: NonNullable<GraphQLResponse<unknown>['errors']>[number]) => void;
}

const purchase = (o: Parameters<typeof buildPurchaseInput>[1] = {}) => buildPurchaseInput(f.bob.gid, { productId: f.product.gid, ...o });
const purchases = (list: unknown[]) => ({ input: { purchases: list } });
const manyGood = (n: number) =>
  Array.from({ length: n }, (_, i) => purchase({ occurredAt: new Date(Date.UTC(2024, 0, 1, 0, i)).toISOString() }));

const mutationCases: Case[] = [
  // createPersona
  {
    name: 'createPersona: blank name',
    doc: CreatePersonaDocument,
    vars: () => ({ input: buildPersonaInput({ name: '   ' }) }),
    code: 'BAD_USER_INPUT',
    field: 'input.name',
  },
  {
    name: 'createPersona: empty name',
    doc: CreatePersonaDocument,
    vars: () => ({ input: buildPersonaInput({ name: '' }) }),
    code: 'BAD_USER_INPUT',
    field: 'input.name',
  },
  {
    name: 'createPersona: name over 100 characters',
    doc: CreatePersonaDocument,
    vars: () => ({ input: buildPersonaInput({ name: 'n'.repeat(101) }) }),
    code: 'BAD_USER_INPUT',
    field: 'input.name',
  },
  {
    name: 'createPersona: blank description',
    doc: CreatePersonaDocument,
    vars: () => ({ input: buildPersonaInput({ description: '  ' }) }),
    code: 'BAD_USER_INPUT',
    field: 'input.description',
  },
  {
    name: 'createPersona: 21 goals',
    doc: CreatePersonaDocument,
    vars: () => ({ input: buildPersonaInput({ goals: Array.from({ length: 21 }, (_, i) => `goal ${i}`) }) }),
    code: 'BAD_USER_INPUT',
    field: 'input.goals',
  },
  {
    name: 'createPersona: blank goal',
    doc: CreatePersonaDocument,
    vars: () => ({ input: buildPersonaInput({ goals: ['Save time', ' '] }) }),
    code: 'BAD_USER_INPUT',
    field: 'input.goals',
  },
  {
    name: 'createPersona: unknown channel',
    doc: CreatePersonaDocument,
    vars: () => ({ input: buildPersonaInput({ preferredChannels: ['FAX'] }) }),
    code: 'BAD_USER_INPUT',
    field: 'input.preferredChannels[0]',
  },
  {
    name: 'createPersona: duplicate name',
    doc: CreatePersonaDocument,
    vars: () => ({ input: buildPersonaInput({ name: f.persona.name }) }),
    code: 'CONFLICT',
    field: 'input.name',
  },
  {
    name: 'createPersona: duplicate name with spaces',
    doc: CreatePersonaDocument,
    vars: () => ({ input: buildPersonaInput({ name: ` ${f.persona.name}  ` }) }),
    code: 'CONFLICT',
    field: 'input.name',
  },

  // createProduct
  {
    name: 'createProduct: negative price',
    doc: CreateProductDocument,
    vars: () => ({ input: buildProductInput({ price: '-0.01' }) }),
    code: 'BAD_USER_INPUT',
    field: 'input.price',
  },
  {
    name: 'createProduct: price with 3 decimals',
    doc: CreateProductDocument,
    vars: () => ({ input: buildProductInput({ price: '1.999' }) }),
    code: 'BAD_USER_INPUT',
    field: 'input.price',
  },
  {
    name: 'createProduct: price not a number',
    doc: CreateProductDocument,
    vars: () => ({ input: buildProductInput({ price: 'twelve' }) }),
    code: 'BAD_USER_INPUT',
    field: 'input.price',
  },
  {
    name: 'createProduct: price in exponent form',
    doc: CreateProductDocument,
    vars: () => ({ input: buildProductInput({ price: '1e3' }) }),
    code: 'BAD_USER_INPUT',
    field: 'input.price',
  },
  {
    name: 'createProduct: price too large',
    doc: CreateProductDocument,
    vars: () => ({ input: buildProductInput({ price: '1234567890123' }) }),
    code: 'BAD_USER_INPUT',
    field: 'input.price',
  },
  {
    name: 'createProduct: price beyond what the catalogue stores',
    doc: CreateProductDocument,
    vars: () => ({ input: buildProductInput({ price: '12345678901.00' }) }),
    code: 'BAD_USER_INPUT',
    field: 'input.price',
    check: (e) => expect(e.message).toContain('9999999999.99'),
  },
  {
    name: 'createProduct: SKU with spaces',
    doc: CreateProductDocument,
    vars: () => ({ input: buildProductInput({ sku: 'has space' }) }),
    code: 'BAD_USER_INPUT',
    field: 'input.sku',
  },
  {
    name: 'createProduct: blank name',
    doc: CreateProductDocument,
    vars: () => ({ input: buildProductInput({ name: ' ' }) }),
    code: 'BAD_USER_INPUT',
    field: 'input.name',
  },
  {
    name: 'createProduct: blank category',
    doc: CreateProductDocument,
    vars: () => ({ input: buildProductInput({ category: '' }) }),
    code: 'BAD_USER_INPUT',
    field: 'input.category',
  },
  {
    name: 'createProduct: duplicate SKU',
    doc: CreateProductDocument,
    vars: () => ({ input: buildProductInput({ sku: f.product.sku }) }),
    code: 'CONFLICT',
    field: 'input.sku',
  },

  // createCustomer
  {
    name: 'createCustomer: bad email',
    doc: CreateCustomerDocument,
    vars: () => ({ input: buildCustomerInput({ email: 'not-an-email' }) }),
    code: 'BAD_USER_INPUT',
    field: 'input.email',
  },
  {
    name: 'createCustomer: email without domain',
    doc: CreateCustomerDocument,
    vars: () => ({ input: buildCustomerInput({ email: 'ada@' }) }),
    code: 'BAD_USER_INPUT',
    field: 'input.email',
  },
  {
    name: 'createCustomer: blank name',
    doc: CreateCustomerDocument,
    vars: () => ({ input: buildCustomerInput({ name: '   ' }) }),
    code: 'BAD_USER_INPUT',
    field: 'input.name',
  },
  {
    name: 'createCustomer: name over 200 characters',
    doc: CreateCustomerDocument,
    vars: () => ({ input: buildCustomerInput({ name: 'a'.repeat(201) }) }),
    code: 'BAD_USER_INPUT',
    field: 'input.name',
  },
  {
    name: 'createCustomer: bad phone',
    doc: CreateCustomerDocument,
    vars: () => ({ input: buildCustomerInput({ phone: 'call me' }) }),
    code: 'BAD_USER_INPUT',
    field: 'input.phone',
  },
  {
    name: 'createCustomer: empty external id',
    doc: CreateCustomerDocument,
    vars: () => ({ input: buildCustomerInput({ externalId: '' }) }),
    code: 'BAD_USER_INPUT',
    field: 'input.externalId',
  },
  {
    name: 'createCustomer: duplicate external id',
    doc: CreateCustomerDocument,
    vars: () => ({ input: buildCustomerInput({ externalId: 'crm-taken' }) }),
    code: 'CONFLICT',
    field: 'input.externalId',
  },
  {
    name: 'createCustomer: unknown persona',
    doc: CreateCustomerDocument,
    vars: () => ({ input: buildCustomerInput({ personaId: toGlobalId('Persona', UNKNOWN) }) }),
    code: 'NOT_FOUND',
    field: 'input.personaId',
  },
  {
    name: 'createCustomer: malformed persona id',
    doc: CreateCustomerDocument,
    vars: () => ({ input: buildCustomerInput({ personaId: 'persona-1' }) }),
    code: 'BAD_USER_INPUT',
    field: 'input.personaId',
  },
  {
    name: 'createCustomer: product id as persona',
    doc: CreateCustomerDocument,
    vars: () => ({ input: buildCustomerInput({ personaId: f.product.gid }) }),
    code: 'BAD_USER_INPUT',
    field: 'input.personaId',
  },
  {
    name: 'createCustomer: unknown stage',
    doc: CreateCustomerDocument,
    vars: () => ({ input: buildCustomerInput({ stage: 'VIP' }) }),
    code: 'BAD_USER_INPUT',
    field: 'input.stage',
  },
  {
    name: 'createCustomer: reason over 500 characters',
    doc: CreateCustomerDocument,
    vars: () => ({ input: buildCustomerInput({ reason: 'r'.repeat(501) }) }),
    code: 'BAD_USER_INPUT',
    field: 'input.reason',
  },
  {
    name: 'createCustomer: name missing',
    doc: CreateCustomerDocument,
    vars: () => ({ input: { email: 'x@example.com' } }),
    code: 'BAD_USER_INPUT',
    field: 'input.name',
  },

  // updateCustomer
  {
    name: 'updateCustomer: unknown customer',
    doc: UpdateCustomerDocument,
    vars: () => ({ input: { id: unknownCustomer(), name: 'X' } }),
    code: 'NOT_FOUND',
    field: 'input.id',
    check: (e) => expect(e.message).toContain(unknownCustomer()),
  },
  {
    name: 'updateCustomer: malformed id',
    doc: UpdateCustomerDocument,
    vars: () => ({ input: { id: '42', name: 'X' } }),
    code: 'BAD_USER_INPUT',
    field: 'input.id',
  },
  {
    name: 'updateCustomer: persona id as customer id',
    doc: UpdateCustomerDocument,
    vars: () => ({ input: { id: f.persona.gid, name: 'X' } }),
    code: 'BAD_USER_INPUT',
    field: 'input.id',
  },
  {
    name: 'updateCustomer: name cleared',
    doc: UpdateCustomerDocument,
    vars: () => ({ input: { id: f.ada.gid, name: null } }),
    code: 'BAD_USER_INPUT',
    field: 'input.name',
  },
  {
    name: 'updateCustomer: blank name',
    doc: UpdateCustomerDocument,
    vars: () => ({ input: { id: f.ada.gid, name: '\t' } }),
    code: 'BAD_USER_INPUT',
    field: 'input.name',
  },
  {
    name: 'updateCustomer: bad email',
    doc: UpdateCustomerDocument,
    vars: () => ({ input: { id: f.ada.gid, email: 'ada at example.com' } }),
    code: 'BAD_USER_INPUT',
    field: 'input.email',
  },
  {
    name: 'updateCustomer: external id of another customer',
    doc: UpdateCustomerDocument,
    vars: () => ({ input: { id: f.bob.gid, externalId: 'crm-taken' } }),
    code: 'CONFLICT',
    field: 'input.externalId',
  },
  {
    name: 'updateCustomer: unknown persona',
    doc: UpdateCustomerDocument,
    vars: () => ({ input: { id: f.ada.gid, personaId: toGlobalId('Persona', UNKNOWN) } }),
    code: 'NOT_FOUND',
    field: 'input.personaId',
  },
  {
    name: 'updateCustomer: valid name but unknown persona changes nothing',
    doc: UpdateCustomerDocument,
    vars: () => ({ input: { id: f.ada.gid, name: 'Renamed', personaId: toGlobalId('Persona', UNKNOWN) } }),
    code: 'NOT_FOUND',
    field: 'input.personaId',
  },

  // recordPurchases
  {
    name: 'recordPurchases: empty batch',
    doc: RecordPurchasesDocument,
    vars: () => purchases([]),
    code: 'BAD_USER_INPUT',
    field: 'input.purchases',
  },
  {
    name: 'recordPurchases: 1,001 purchases',
    doc: RecordPurchasesDocument,
    vars: () => purchases(manyGood(1001)),
    code: 'BAD_USER_INPUT',
    field: 'input.purchases',
    check: (e) => expect(e.message).toMatch(/1000/),
  },
  {
    name: 'recordPurchases: quantity 0',
    doc: RecordPurchasesDocument,
    vars: () => purchases([purchase({ quantity: 0 })]),
    code: 'BAD_USER_INPUT',
    field: 'input.purchases[0].quantity',
  },
  {
    name: 'recordPurchases: negative quantity',
    doc: RecordPurchasesDocument,
    vars: () => purchases([purchase(), purchase({ quantity: -3 })]),
    code: 'BAD_USER_INPUT',
    field: 'input.purchases[1].quantity',
  },
  {
    name: 'recordPurchases: negative amount',
    doc: RecordPurchasesDocument,
    vars: () => purchases([purchase({ amount: '-5.00' })]),
    code: 'BAD_USER_INPUT',
    field: 'input.purchases[0].amount',
  },
  {
    name: 'recordPurchases: amount not money',
    doc: RecordPurchasesDocument,
    vars: () => purchases([purchase({ amount: '12,50' })]),
    code: 'BAD_USER_INPUT',
    field: 'input.purchases[0].amount',
  },
  {
    name: 'recordPurchases: amount as float with 3 decimals',
    doc: RecordPurchasesDocument,
    vars: () => purchases([{ ...purchase(), amount: 0.125 }]),
    code: 'BAD_USER_INPUT',
    field: 'input.purchases[0].amount',
  },
  {
    name: 'recordPurchases: date far in the future',
    doc: RecordPurchasesDocument,
    vars: () => purchases([purchase({ occurredAt: far })]),
    code: 'BAD_USER_INPUT',
    field: 'input.purchases[0].occurredAt',
  },
  {
    name: 'recordPurchases: date before 1900',
    doc: RecordPurchasesDocument,
    vars: () => purchases([purchase(), purchase({ occurredAt: before1900 })]),
    code: 'BAD_USER_INPUT',
    field: 'input.purchases[1].occurredAt',
  },
  {
    name: 'recordPurchases: date not a date',
    doc: RecordPurchasesDocument,
    vars: () => purchases([purchase({ occurredAt: '2024-13-45' })]),
    code: 'BAD_USER_INPUT',
    field: 'input.purchases[0].occurredAt',
  },
  {
    name: 'recordPurchases: unknown customer',
    doc: RecordPurchasesDocument,
    vars: () => purchases([buildPurchaseInput(unknownCustomer())]),
    code: 'NOT_FOUND',
    field: 'input.purchases[0].customerId',
  },
  {
    name: 'recordPurchases: malformed customer id',
    doc: RecordPurchasesDocument,
    vars: () => purchases([buildPurchaseInput('not-an-id')]),
    code: 'BAD_USER_INPUT',
    field: 'input.purchases[0].customerId',
  },
  {
    name: 'recordPurchases: product id as customer id',
    doc: RecordPurchasesDocument,
    vars: () => purchases([buildPurchaseInput(f.product.gid)]),
    code: 'BAD_USER_INPUT',
    field: 'input.purchases[0].customerId',
  },
  {
    name: 'recordPurchases: unknown product',
    doc: RecordPurchasesDocument,
    vars: () => purchases([purchase(), purchase({ productId: toGlobalId('Product', UNKNOWN) })]),
    code: 'NOT_FOUND',
    field: 'input.purchases[1].productId',
  },
  {
    name: 'recordPurchases: customer id as product id',
    doc: RecordPurchasesDocument,
    vars: () => purchases([purchase({ productId: f.ada.gid })]),
    code: 'BAD_USER_INPUT',
    field: 'input.purchases[0].productId',
  },
  {
    name: 'recordPurchases: 999 good and 1 unknown customer write nothing',
    doc: RecordPurchasesDocument,
    vars: () => purchases([...manyGood(999), buildPurchaseInput(unknownCustomer())]),
    code: 'NOT_FOUND',
    field: 'input.purchases[999].customerId',
  },
  {
    name: 'recordPurchases: 999 good and 1 unknown product write nothing',
    doc: RecordPurchasesDocument,
    vars: () => purchases([...manyGood(500), purchase({ productId: toGlobalId('Product', UNKNOWN) }), ...manyGood(499)]),
    code: 'NOT_FOUND',
    field: 'input.purchases[500].productId',
  },
  {
    name: 'recordPurchases: 999 good and 1 zero quantity write nothing',
    doc: RecordPurchasesDocument,
    vars: () => purchases([...manyGood(998), purchase({ quantity: 0 }), purchase()]),
    code: 'BAD_USER_INPUT',
    field: 'input.purchases[998].quantity',
  },

  // recordTouchpoint
  {
    name: 'recordTouchpoint: unknown customer',
    doc: RecordTouchpointDocument,
    vars: () => ({ input: buildTouchpointInput(unknownCustomer()) }),
    code: 'NOT_FOUND',
    field: 'input.customerId',
    check: (e) => expect(e.message).toContain(unknownCustomer()),
  },
  {
    name: 'recordTouchpoint: malformed customer id',
    doc: RecordTouchpointDocument,
    vars: () => ({ input: buildTouchpointInput('') }),
    code: 'BAD_USER_INPUT',
    field: 'input.customerId',
  },
  {
    name: 'recordTouchpoint: referral id as customer id',
    doc: RecordTouchpointDocument,
    vars: () => ({ input: buildTouchpointInput(f.referral.gid) }),
    code: 'BAD_USER_INPUT',
    field: 'input.customerId',
  },
  {
    name: 'recordTouchpoint: date far in the future',
    doc: RecordTouchpointDocument,
    vars: () => ({ input: buildTouchpointInput(f.ada.gid, { occurredAt: far }) }),
    code: 'BAD_USER_INPUT',
    field: 'input.occurredAt',
  },
  {
    name: 'recordTouchpoint: date before 1900',
    doc: RecordTouchpointDocument,
    vars: () => ({ input: buildTouchpointInput(f.ada.gid, { occurredAt: '1800-01-01T00:00:00Z' }) }),
    code: 'BAD_USER_INPUT',
    field: 'input.occurredAt',
  },
  {
    name: 'recordTouchpoint: unknown product',
    doc: RecordTouchpointDocument,
    vars: () => ({ input: buildTouchpointInput(f.ada.gid, { productId: toGlobalId('Product', UNKNOWN) }) }),
    code: 'NOT_FOUND',
    field: 'input.productId',
  },
  {
    name: 'recordTouchpoint: unknown channel',
    doc: RecordTouchpointDocument,
    vars: () => ({ input: buildTouchpointInput(f.ada.gid, { channel: 'PIGEON' }) }),
    code: 'BAD_USER_INPUT',
    field: 'input.channel',
  },
  {
    name: 'recordTouchpoint: unknown response',
    doc: RecordTouchpointDocument,
    vars: () => ({ input: buildTouchpointInput(f.ada.gid, { response: 'MAYBE' }) }),
    code: 'BAD_USER_INPUT',
    field: 'input.response',
  },
  {
    name: 'recordTouchpoint: campaign over 200 characters',
    doc: RecordTouchpointDocument,
    vars: () => ({ input: buildTouchpointInput(f.ada.gid, { campaign: 'c'.repeat(201) }) }),
    code: 'BAD_USER_INPUT',
    field: 'input.campaign',
  },
  {
    name: 'recordTouchpoint: note over 2,000 characters',
    doc: RecordTouchpointDocument,
    vars: () => ({ input: buildTouchpointInput(f.ada.gid, { note: 'n'.repeat(2001) }) }),
    code: 'BAD_USER_INPUT',
    field: 'input.note',
  },

  // createReferral
  {
    name: 'createReferral: self-referral',
    doc: CreateReferralDocument,
    vars: () => ({ input: { referrerId: f.cy.gid, referredId: f.cy.gid, sourceChannel: 'EMAIL' } }),
    code: 'BAD_USER_INPUT',
    field: 'input.referredId',
  },
  {
    name: 'createReferral: customer already referred',
    doc: CreateReferralDocument,
    vars: () => ({ input: { referrerId: f.cy.gid, referredId: f.bob.gid, sourceChannel: 'EMAIL' } }),
    code: 'CONFLICT',
    field: 'input.referredId',
  },
  {
    name: 'createReferral: the same referral twice',
    doc: CreateReferralDocument,
    vars: () => ({ input: { referrerId: f.ada.gid, referredId: f.bob.gid, sourceChannel: 'EMAIL' } }),
    code: 'CONFLICT',
    field: 'input.referredId',
  },
  {
    name: 'createReferral: referred customer referring their referrer back',
    doc: CreateReferralDocument,
    vars: () => ({ input: { referrerId: f.bob.gid, referredId: f.ada.gid, sourceChannel: 'SOCIAL' } }),
    code: 'CONFLICT',
    field: 'input.referredId',
  },
  {
    name: 'createReferral: unknown referrer',
    doc: CreateReferralDocument,
    vars: () => ({ input: { referrerId: unknownCustomer(), referredId: f.cy.gid, sourceChannel: 'EMAIL' } }),
    code: 'NOT_FOUND',
    field: 'input.referrerId',
  },
  {
    name: 'createReferral: unknown referred customer',
    doc: CreateReferralDocument,
    vars: () => ({ input: { referrerId: f.cy.gid, referredId: unknownCustomer(), sourceChannel: 'EMAIL' } }),
    code: 'NOT_FOUND',
    field: 'input.referredId',
  },
  {
    name: 'createReferral: malformed referrer id',
    doc: CreateReferralDocument,
    vars: () => ({ input: { referrerId: '%%%', referredId: f.cy.gid, sourceChannel: 'EMAIL' } }),
    code: 'BAD_USER_INPUT',
    field: 'input.referrerId',
  },
  {
    name: 'createReferral: product id as referred id',
    doc: CreateReferralDocument,
    vars: () => ({ input: { referrerId: f.cy.gid, referredId: f.product.gid, sourceChannel: 'EMAIL' } }),
    code: 'BAD_USER_INPUT',
    field: 'input.referredId',
  },
  {
    name: 'createReferral: unknown channel',
    doc: CreateReferralDocument,
    vars: () => ({ input: { referrerId: f.cy.gid, referredId: f.ada.gid, sourceChannel: 'CARRIER_PIGEON' } }),
    code: 'BAD_USER_INPUT',
    field: 'input.sourceChannel',
  },

  // transitionCustomerStage
  {
    name: 'transitionCustomerStage: illegal move names the allowed targets',
    doc: TransitionStageDocument,
    vars: () => ({ input: { customerId: f.ada.gid, to: 'RETAINED' } }),
    code: 'INVALID_STAGE_TRANSITION',
    field: 'input.to',
    check: (e) => {
      expect(e.extensions).toMatchObject({ from: 'IDENTIFIED', to: 'RETAINED', allowed: ['ACQUIRED', 'CONVERTED', 'CHURNED'] });
      expect(e.message).toContain('ACQUIRED, CONVERTED, CHURNED');
    },
  },
  {
    name: 'transitionCustomerStage: move to the current stage',
    doc: TransitionStageDocument,
    vars: () => ({ input: { customerId: f.bob.gid, to: 'RETAINED' } }),
    code: 'INVALID_STAGE_TRANSITION',
    field: 'input.to',
    check: (e) => expect(e.extensions?.allowed).toEqual(['EXPANDING', 'ADVOCATE', 'AT_RISK', 'DORMANT', 'CHURNED']),
  },
  {
    name: 'transitionCustomerStage: unknown customer',
    doc: TransitionStageDocument,
    vars: () => ({ input: { customerId: unknownCustomer(), to: 'ACQUIRED' } }),
    code: 'NOT_FOUND',
    field: 'input.customerId',
  },
  {
    name: 'transitionCustomerStage: malformed customer id',
    doc: TransitionStageDocument,
    vars: () => ({ input: { customerId: 'Q3VzdG9tZXI6', to: 'ACQUIRED' } }),
    code: 'BAD_USER_INPUT',
    field: 'input.customerId',
  },
  {
    name: 'transitionCustomerStage: stage-change id as customer id',
    doc: TransitionStageDocument,
    vars: () => ({ input: { customerId: f.stageChange.gid, to: 'ACQUIRED' } }),
    code: 'BAD_USER_INPUT',
    field: 'input.customerId',
  },
  {
    name: 'transitionCustomerStage: unknown stage',
    doc: TransitionStageDocument,
    vars: () => ({ input: { customerId: f.ada.gid, to: 'PLATINUM' } }),
    code: 'BAD_USER_INPUT',
    field: 'input.to',
  },
  {
    name: 'transitionCustomerStage: reason over 500 characters',
    doc: TransitionStageDocument,
    vars: () => ({ input: { customerId: f.ada.gid, to: 'ACQUIRED', reason: 'r'.repeat(501) } }),
    code: 'BAD_USER_INPUT',
    field: 'input.reason',
  },

  // closeHolding
  {
    name: 'closeHolding: unknown holding',
    doc: CloseHoldingDocument,
    vars: () => ({ input: { holdingId: toGlobalId('Holding', UNKNOWN) } }),
    code: 'NOT_FOUND',
    field: 'input.holdingId',
  },
  {
    name: 'closeHolding: malformed id',
    doc: CloseHoldingDocument,
    vars: () => ({ input: { holdingId: 'holding-1' } }),
    code: 'BAD_USER_INPUT',
    field: 'input.holdingId',
  },
  {
    name: 'closeHolding: product id as holding id',
    doc: CloseHoldingDocument,
    vars: () => ({ input: { holdingId: f.product.gid } }),
    code: 'BAD_USER_INPUT',
    field: 'input.holdingId',
  },
  {
    name: 'closeHolding: closed in the future',
    doc: CloseHoldingDocument,
    vars: () => ({ input: { holdingId: f.holding.gid, closedAt: far } }),
    code: 'BAD_USER_INPUT',
    field: 'input.closedAt',
  },
  {
    name: 'closeHolding: closed before it started',
    doc: CloseHoldingDocument,
    vars: () => ({ input: { holdingId: f.holding.gid, closedAt: '2023-12-31T00:00:00Z' } }),
    code: 'BAD_USER_INPUT',
    field: 'input.closedAt',
  },
  {
    name: 'closeHolding: closed before 1900',
    doc: CloseHoldingDocument,
    vars: () => ({ input: { holdingId: f.holding.gid, closedAt: before1900 } }),
    code: 'BAD_USER_INPUT',
    field: 'input.closedAt',
  },
  {
    name: 'closeHolding: already closed',
    doc: CloseHoldingDocument,
    vars: () => ({ input: { holdingId: f.closedHolding.gid } }),
    code: 'CONFLICT',
    field: 'input.holdingId',
  },
];

const cursorFor = (ordering: string, values: (string | number | null)[]) => encodeCursor(ordering, values);

const queryCases: Case[] = [
  {
    name: `customers: first over the cap (${MAX_PAGE_SIZE})`,
    doc: CustomerPageDocument,
    vars: () => ({ first: MAX_PAGE_SIZE + 1 }),
    code: 'BAD_USER_INPUT',
    field: 'first',
    check: (e) => expect(e.extensions?.max).toBe(MAX_PAGE_SIZE),
  },
  { name: 'customers: last over the cap', doc: CustomerPageDocument, vars: () => ({ last: 1000 }), code: 'BAD_USER_INPUT', field: 'last' },
  { name: 'customers: negative first', doc: CustomerPageDocument, vars: () => ({ first: -1 }), code: 'BAD_USER_INPUT', field: 'first' },
  {
    name: 'customers: first and last together',
    doc: CustomerPageDocument,
    vars: () => ({ first: 2, last: 2 }),
    code: 'BAD_USER_INPUT',
    field: 'last',
  },
  {
    name: 'customers: garbage cursor',
    doc: CustomerPageDocument,
    vars: () => ({ first: 2, after: 'not a cursor' }),
    code: 'BAD_USER_INPUT',
    field: 'after',
  },
  {
    name: 'customers: base64 that is not a cursor',
    doc: CustomerPageDocument,
    vars: () => ({ first: 2, after: Buffer.from('{"id":1}').toString('base64url') }),
    code: 'BAD_USER_INPUT',
    field: 'after',
  },
  {
    name: 'customers: cursor of another ordering',
    doc: CustomerPageDocument,
    vars: () => ({ first: 2, orderBy: 'CREATED_AT_DESC', after: cursorFor('NAME_ASC', ['Ada', '1']) }),
    code: 'BAD_USER_INPUT',
    field: 'after',
  },
  {
    name: 'customers: cursor with a date that is not a date',
    doc: CustomerPageDocument,
    vars: () => ({ first: 2, after: cursorFor('CREATED_AT_DESC', ['yesterday', '1']) }),
    code: 'BAD_USER_INPUT',
    field: 'after',
  },
  {
    name: 'customers: cursor with an id that is not a number',
    doc: CustomerPageDocument,
    vars: () => ({ first: 2, orderBy: 'NAME_ASC', after: cursorFor('NAME_ASC', ['Ada', 'x1']) }),
    code: 'BAD_USER_INPUT',
    field: 'after',
  },
  {
    name: 'customers: cursor with an id beyond bigint',
    doc: CustomerPageDocument,
    vars: () => ({ first: 2, orderBy: 'NAME_ASC', after: cursorFor('NAME_ASC', ['Ada', '99999999999999999999']) }),
    code: 'BAD_USER_INPUT',
    field: 'after',
  },
  {
    name: 'customers: cursor with a null sort value',
    doc: CustomerPageDocument,
    vars: () => ({ first: 2, orderBy: 'NAME_ASC', before: undefined, after: cursorFor('NAME_ASC', [null, '1']) }),
    code: 'BAD_USER_INPUT',
    field: 'after',
  },
  {
    name: 'customers: backward with a bad before cursor',
    doc: CustomerPageDocument,
    vars: () => ({ last: 2, before: cursorFor('CREATED_AT_DESC', ['2024-01-01', 'nope']) }),
    code: 'BAD_USER_INPUT',
    field: 'before',
  },
  {
    name: 'customers: search over 100 characters',
    doc: CustomerPageDocument,
    vars: () => ({ first: 2, filter: { search: 's'.repeat(101) } }),
    code: 'BAD_USER_INPUT',
    field: 'filter.search',
  },
  {
    name: 'customers: malformed persona filter',
    doc: CustomerPageDocument,
    vars: () => ({ first: 2, filter: { personaId: 'abc' } }),
    code: 'BAD_USER_INPUT',
    field: 'filter.personaId',
  },
  {
    name: 'customers: customer id as product filter',
    doc: CustomerPageDocument,
    vars: () => ({ first: 2, filter: { hasProductId: f.ada.gid } }),
    code: 'BAD_USER_INPUT',
    field: 'filter.hasProductId',
  },
  {
    name: 'customers: unknown stage in filter',
    doc: CustomerPageDocument,
    vars: () => ({ first: 2, filter: { stageIn: ['NOPE'] } }),
    code: 'BAD_USER_INPUT',
    field: 'filter.stageIn[0]',
  },
  { name: 'customer: malformed id', doc: CustomerByIdDocument, vars: () => ({ id: 'bogus' }), code: 'BAD_USER_INPUT', field: 'id' },
  { name: 'customer: product id', doc: CustomerByIdDocument, vars: () => ({ id: f.product.gid }), code: 'BAD_USER_INPUT', field: 'id' },
  {
    name: 'nested touchpoints: first over the cap',
    doc: NestedTouchpointPageDocument,
    vars: () => ({ first: 500 }),
    code: 'BAD_USER_INPUT',
    field: 'touchpoints.first',
  },
  {
    name: 'nested touchpoints: garbage cursor',
    doc: NestedTouchpointPageDocument,
    vars: () => ({ first: 1, after: '***' }),
    code: 'BAD_USER_INPUT',
    field: 'touchpoints.after',
  },
  {
    name: 'nested touchpoints: cursor with a bad date',
    doc: TouchpointsFilteredDocument,
    vars: () => ({ id: f.ada.gid, first: 1, after: cursorFor('TOUCHPOINT_LATEST', ['not-a-date', '1']) }),
    code: 'BAD_USER_INPUT',
    field: 'touchpoints.after',
  },
  {
    name: 'nested touchpoints: customer cursor',
    doc: TouchpointsFilteredDocument,
    vars: () => ({ id: f.ada.gid, first: 1, after: cursorFor('CREATED_AT_DESC', ['2024-01-01T00:00:00Z', '1']) }),
    code: 'BAD_USER_INPUT',
    field: 'touchpoints.after',
  },
  {
    name: 'nodes: more than 200 ids',
    doc: NodesLookupDocument,
    vars: () => ({ ids: Array.from({ length: 201 }, () => f.ada.gid) }),
    code: 'BAD_USER_INPUT',
    field: 'ids',
  },
  { name: 'syntax error', doc: '{ customers(first: 1) { nodes { id }', vars: () => ({}), code: 'GRAPHQL_PARSE_FAILED' },
  { name: 'unknown field', doc: '{ customers(first: 1) { nodes { password } } }', vars: () => ({}), code: 'GRAPHQL_VALIDATION_FAILED' },
  {
    name: 'literal that is not money',
    doc: `mutation { createProduct(input: { sku: "LIT-1", name: "N", category: "C", price: "free" }) { product { id } } }`,
    vars: () => ({}),
    code: 'GRAPHQL_VALIDATION_FAILED',
  },
];

/** Every message a client saw, for the leak check at the end. */
const messagesSeen: { name: string; message: string; extensions: unknown }[] = [];

async function expectRefused(c: Case) {
  const before = await tableSnapshot(server.ds);
  const doc = typeof c.doc === 'string' ? c.doc : print(c.doc);
  const res = await server.request(doc, c.vars());
  expect(res.errors?.length).toBeGreaterThanOrEqual(1);
  const [error] = res.errors!;
  for (const e of res.errors!) messagesSeen.push({ name: c.name, message: e.message, extensions: e.extensions });
  expect({ code: error.extensions?.code, field: error.extensions?.field }).toEqual({ code: c.code, field: c.field });
  expect(error.message.length).toBeGreaterThan(10);
  c.check?.(error);
  expect(await tableSnapshot(server.ds)).toEqual(before);
}

describe('bad input to mutations is refused and writes nothing', () => {
  it.each(mutationCases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    await expectRefused(c);
  });
});

describe('bad paging, filters and ids are refused', () => {
  it.each(queryCases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    await expectRefused(c);
  });
});

describe('concurrent duplicates', () => {
  it.each([
    ['persona name', CreatePersonaDocument, () => ({ input: buildPersonaInput({ name: 'Raced persona' }) }), 'input.name'],
    ['product SKU', CreateProductDocument, () => ({ input: buildProductInput({ sku: 'RACED-SKU' }) }), 'input.sku'],
    [
      'customer external id',
      CreateCustomerDocument,
      () => ({ input: buildCustomerInput({ externalId: 'crm-raced' }) }),
      'input.externalId',
    ],
  ] as const)('one of several simultaneous creates with the same %s wins, the rest are CONFLICT', async (_what, doc, vars, field) => {
    const results = await Promise.all(Array.from({ length: 6 }, () => server.request(print(doc), vars())));
    const ok = results.filter((r) => !r.errors);
    const failed = results.filter((r) => r.errors);
    expect(ok).toHaveLength(1);
    for (const r of failed) expect(r.errors![0].extensions).toMatchObject({ code: 'CONFLICT', field });
  });

  it('two simultaneous referrals of the same customer: one wins, the other is CONFLICT', async () => {
    const target = await insertCustomer(server.ds, { name: 'Wanted' });
    const referrers = [f.ada, f.cy];
    const results = await Promise.all(
      referrers.map((r) =>
        server.request(print(CreateReferralDocument), { input: { referrerId: r.gid, referredId: target.gid, sourceChannel: 'EMAIL' } }),
      ),
    );
    expect(results.filter((r) => !r.errors)).toHaveLength(1);
    expect(results.filter((r) => r.errors).map((r) => r.errors![0].extensions?.code)).toEqual(['CONFLICT']);
  });
});

describe('unexpected failures are masked', () => {
  it('reports INTERNAL_SERVER_ERROR with an error id, no SQL or detail, and writes nothing', async () => {
    // A failure the code does not expect: the database refuses the insert for a reason no rule checks.
    await server.ds.query(`
      CREATE FUNCTION refuse_persona() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'secret detail: relation persona_private at /srv/app/db.ts:42'; END $$`);
    await server.ds.query(`CREATE TRIGGER refuse_persona BEFORE INSERT ON persona FOR EACH ROW EXECUTE FUNCTION refuse_persona()`);
    try {
      const before = await tableSnapshot(server.ds);
      const res = await server.request(CreatePersonaDocument, { input: buildPersonaInput() });
      const [error] = res.errors!;
      expect(error.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
      expect(error.extensions?.errorId).toMatch(/^[0-9a-f-]{36}$/);
      expect(error.message).toContain(String(error.extensions?.errorId));
      // Only identifiers: the code, the error id and (where the server sets one) the request id.
      expect(Object.keys(error.extensions ?? {}).filter((k) => !['code', 'errorId', 'requestId'].includes(k))).toEqual([]);
      expect(JSON.stringify(res)).not.toMatch(/secret|persona_private|db\.ts|INSERT|plpgsql/i);
      messagesSeen.push({ name: 'masked', message: error.message, extensions: error.extensions });
      expect(await tableSnapshot(server.ds)).toEqual(before);
    } finally {
      await server.ds.query(`DROP TRIGGER refuse_persona ON persona; DROP FUNCTION refuse_persona()`);
    }
  });

  it('gives each masked error its own id', async () => {
    await server.ds.query(`ALTER TABLE touchpoint RENAME TO touchpoint_hidden`);
    try {
      const res = await server.request(print(NestedTouchpointPageDocument), { first: 1 });
      const again = await server.request(print(NestedTouchpointPageDocument), { first: 1 });
      const ids = [res, again].map((r) => r.errors?.[0].extensions?.errorId);
      expect(ids[0]).toEqual(expect.any(String));
      expect(ids[0]).not.toBe(ids[1]);
      for (const r of [res, again])
        expect(JSON.stringify([r.errors![0].message, r.errors![0].extensions])).not.toMatch(/touchpoint|relation|SELECT|exist/i);
    } finally {
      await server.ds.query(`ALTER TABLE touchpoint_hidden RENAME TO touchpoint`);
    }
  });
});

describe('bad requests below GraphQL', () => {
  it.each([
    [
      'a NUL character in a mutation input',
      CreateCustomerDocument,
      () => ({ input: buildCustomerInput({ name: 'Ada\u0000' }) }),
      /input\.name$/,
    ],
    ['a NUL character in a filter', CustomerPageDocument, () => ({ first: 1, filter: { search: '\u0000' } }), /filter\.search$/],
  ] as const)('refuses %s as BAD_USER_INPUT naming the field, writing nothing', async (_what, doc, vars, field) => {
    const before = await tableSnapshot(server.ds);
    const res = await server.request(print(doc), vars());
    const [error] = res.errors!;
    messagesSeen.push({ name: _what, message: error.message, extensions: error.extensions });
    expect(error.extensions?.code).toBe('BAD_USER_INPUT');
    expect(error.extensions?.field).toMatch(field);
    expect(await tableSnapshot(server.ds)).toEqual(before);
  });

  it.each([
    ['a body that is not JSON', '{"query": ', 400],
    ['a body over the size limit', JSON.stringify({ query: '{ __typename }', pad: 'x'.repeat(1_100_000) }), 413],
  ] as const)('answers %s with a JSON error, no stack trace or file path', async (_what, body, status) => {
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${server.adminKey}` },
      body,
    });
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/json/);
    const text = await res.text();
    expect(JSON.parse(text).errors[0].extensions.code).toEqual(expect.any(String));
    expect(text).not.toMatch(/\s{2,}at |node_modules|\.[jt]s:\d|<html|SyntaxError|PayloadTooLargeError/i);
  });
});

describe('no error message leaks internals', () => {
  const LEAKS: [string, RegExp][] = [
    ['SQL keywords', /\b(SELECT|INSERT INTO|UPDATE \w+ SET|DELETE FROM|WHERE|RETURNING)\b/],
    ['PostgreSQL wording', /\b(relation|violates|constraint|syntax error at|duplicate key|invalid input syntax|column)\b/i],
    ['stack frames', /\n\s+at |\.ts:\d+|\.js:\d+|node_modules/],
    ['driver names', /QueryFailedError|TypeORM|EntityNotFound|pg-pool/i],
  ];
  it.each(LEAKS)('no message or extension contains %s', (_what, pattern) => {
    expect(messagesSeen.length).toBeGreaterThan(mutationCases.length);
    const leaks = messagesSeen.filter((m) => pattern.test(m.message) || pattern.test(JSON.stringify(m.extensions)));
    expect(leaks).toEqual([]);
  });

  it('gives every non-internal error a code from the published list', () => {
    const codes = new Set([
      'BAD_USER_INPUT',
      'NOT_FOUND',
      'CONFLICT',
      'INVALID_STAGE_TRANSITION',
      'GRAPHQL_PARSE_FAILED',
      'GRAPHQL_VALIDATION_FAILED',
      'INTERNAL_SERVER_ERROR',
    ]);
    expect(messagesSeen.filter((m) => !codes.has((m.extensions as { code?: string })?.code ?? ''))).toEqual([]);
  });
});
