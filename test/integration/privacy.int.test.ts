/**
 * The right of access and the right to erasure end to end, over real HTTP and
 * PostgreSQL: the export holds every row about the customer (checked against a
 * direct count per table); erasure leaves the customer's former name, email and
 * phone nowhere in the database, not in any column of any table, not in an
 * event payload, not in a dead row version (pageinspect, after the VACUUM);
 * the churn model refits to the same parameters; the erased customer reads as
 * erased on both read paths and refuses mutations; a new customer with the
 * same external id is a new person; the audit log records who, when and why;
 * and only ADMIN or a key with `privacy:manage` may do any of it.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { print } from 'graphql';
import { toGlobalId } from '../../src/shared/global-id';
import { seedGraph, tableSnapshot } from '../factories';
import { EraseCustomerDocument, PrivacyAuditLogDocument } from '../generated/graphql';
import { startTestServer, type GraphQLResponse, type TestServer } from '../support/server';

// A fit scores every customer, twice here; jest's default of 5 s is tight on a busy machine.
jest.setTimeout(120_000);

const run = promisify(execFile);
let server: TestServer;
/** A second instance on the same database that answers every read through the resolvers. */
let resolvers: TestServer;
const keys: Record<'service' | 'servicePrivacy' | 'analyst' | 'partner', Record<string, string>> = {} as never;

const tag = randomBytes(5).toString('hex');
/** The subject's personal data: unique strings, so finding one anywhere means it leaked. */
const PERSON = {
  name: `Grace Erasable ${tag}`,
  email: `grace.${tag}@example.com`,
  phone: `+44 20 7946 ${String(parseInt(tag.slice(0, 4), 16) % 10000).padStart(4, '0')}`,
  externalId: `crm-${tag}`,
};
const NOTE = `Called Grace ${tag} about her renewal`;
const STAGE_REASON = `Grace ${tag} signed the contract`;
let subject: string;
/** Customers the subject referred, and the one who referred them. */
let referredBySubject: string;
let referrerOfSubject: string;
/** A customer renamed behind the API's back, for the control of the dead-row-version probe. */
let control: string;
/** The churn model fitted before any erasure. */
let modelBefore: unknown;

const sql = <T = Record<string, unknown>[]>(text: string, params: unknown[] = []) => server.ds.query(text, params) as Promise<T>;
const localId = (gid: string) => Buffer.from(gid, 'base64url').toString().split(':')[1];
const codes = (body: GraphQLResponse<unknown>) => body.errors?.map((e) => e.extensions?.code) ?? [];
/** Today (UTC), fixed once: both fits learn from the same days even if the run crosses midnight. */
const CALIBRATION_END = new Date().toISOString().slice(0, 10) + 'T00:00:00.000Z';

const EXPORT = `query($id: ID!, $reason: String) { exportCustomerData(customerId: $id, reason: $reason) }`;
const FIT = `mutation($input: FitChurnModelInput) { fitChurnModel(input: $input) { model { customerCount transactionCount
  bgNbd { r alpha a b logLikelihood } gammaGamma { p q gamma logLikelihood } } } }`;

async function createCustomer(input: Record<string, unknown>): Promise<string> {
  const data = await server.query<{ createCustomer: { customer: { id: string } } }>(
    `mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { id } } }`,
    { input },
  );
  return data.createCustomer.customer.id;
}

/** Varied purchase histories over the past year (some customers stopped long ago), so the churn model fits. */
async function seedHistories(): Promise<void> {
  await seedGraph(server.ds, { customers: 60 });
  await sql(`DELETE FROM purchase WHERE customer_id % 2 = 0`);
  await sql(
    `INSERT INTO purchase (customer_id, product_id, occurred_at, quantity, amount)
     SELECT h.customer_id, h.product_id, now() - ((300 + h.customer_id % 90 - g * (7 + h.customer_id * 13 % 50)) || ' days')::interval, 1, (10 + (h.customer_id * 31 + g * 17) % 90)::numeric
     FROM (SELECT DISTINCT ON (customer_id) customer_id, product_id FROM holding ORDER BY customer_id, id) h
     CROSS JOIN LATERAL generate_series(0, (h.customer_id * 7 % 6)::int) g`,
  );
  await sql(`UPDATE customer SET last_purchase_at = (SELECT max(occurred_at) FROM purchase p WHERE p.customer_id = customer.id)`);
}

/** The subject, built through the API so every table and the feed hold something about them. */
async function seedSubject(): Promise<void> {
  subject = await createCustomer({ ...PERSON, reason: `Signed up: ${PERSON.name}` });
  referredBySubject = await createCustomer({ name: `Friend of ${tag}` });
  referrerOfSubject = await createCustomer({ name: `Referrer of ${tag}` });
  const [product] = await sql<{ id: string }[]>(`SELECT id::text FROM product ORDER BY id LIMIT 1`);
  const productId = toGlobalId('Product', product.id);
  const day = (d: number) => new Date(Date.now() - d * 86_400_000).toISOString();
  await server.query(`mutation($input: RecordPurchasesInput!) { recordPurchases(input: $input) { purchases { id } } }`, {
    input: {
      purchases: [200, 150, 90, 30].map((d, i) => ({
        customerId: subject,
        productId,
        occurredAt: day(d),
        quantity: 1,
        amount: `${20 + i}.50`,
      })),
    },
  });
  for (const [channel, note] of [
    ['PHONE', NOTE],
    ['EMAIL', null],
  ] as const) {
    await server.query(`mutation($input: RecordTouchpointInput!) { recordTouchpoint(input: $input) { touchpoint { id } } }`, {
      input: { customerId: subject, channel, direction: 'OUTBOUND', response: 'POSITIVE_INTEREST', occurredAt: day(10), note },
    });
  }
  await server.query(`mutation($input: TransitionCustomerStageInput!) { transitionCustomerStage(input: $input) { customer { id } } }`, {
    input: { customerId: subject, to: 'EXPANDING', reason: STAGE_REASON },
  });
  await server.query(`mutation($input: CreateReferralInput!) { createReferral(input: $input) { referral { id } } }`, {
    input: { referrerId: subject, referredId: referredBySubject, sourceChannel: 'SOCIAL' },
  });
  await server.query(`mutation($input: CreateReferralInput!) { createReferral(input: $input) { referral { id } } }`, {
    input: { referrerId: referrerOfSubject, referredId: subject, sourceChannel: 'EMAIL' },
  });
}

beforeAll(async () => {
  server = await startTestServer();
  resolvers = await startTestServer({ sameDatabaseAs: server, config: { compiledReads: false } });
  keys.service = server.auth(await server.createKey({ role: 'SERVICE', scopes: ['pii:read'] }));
  keys.servicePrivacy = server.auth(
    await server.createKey({ role: 'SERVICE', scopes: ['pii:read', 'privacy:manage'], label: 'DSAR desk' }),
  );
  keys.analyst = server.auth(await server.createKey({ role: 'ANALYST', scopes: ['pii:read'] }));
  keys.partner = server.auth(await server.createKey({ role: 'PARTNER' }));
  await seedHistories();
  await seedSubject();
  control = await createCustomer({ name: `Control ${tag}` });
  // Scores exist before the export, and the model before the erasure is the one to compare the refit with.
  modelBefore = (await server.query<{ fitChurnModel: { model: unknown } }>(FIT, { input: { calibrationEnd: CALIBRATION_END } }))
    .fitChurnModel.model;
});

afterAll(async () => {
  await resolvers?.stop();
  await server?.stop();
});

describe('right of access', () => {
  it('exports every row about the customer, as many as each table holds', async () => {
    const { exportCustomerData: doc } = await server.query<{ exportCustomerData: Record<string, unknown[]> & Record<string, unknown> }>(
      EXPORT,
      { id: subject, reason: 'Access request, ticket 1' },
    );
    expect(doc.profile).toMatchObject({ id: subject, ...PERSON, erasedAt: null });
    const id = localId(subject);
    const [counts] = await sql<Record<string, string>[]>(
      `SELECT (SELECT count(*) FROM holding WHERE customer_id = $1) AS holdings,
              (SELECT count(*) FROM purchase WHERE customer_id = $1) AS purchases,
              (SELECT count(*) FROM touchpoint WHERE customer_id = $1) AS touchpoints,
              (SELECT count(*) FROM referral WHERE referrer_id = $1) AS "referralsMade",
              (SELECT count(*) FROM referral WHERE referred_id = $1) AS "referredBy",
              (SELECT count(*) FROM stage_change WHERE customer_id = $1) AS "stageHistory",
              (SELECT count(*) FROM customer_score WHERE customer_id = $1) AS scores,
              (SELECT count(*) FROM customer_event WHERE customer_id = $1 OR (type = 'REFERRAL_CREATED' AND payload->>'referredId' = $1::text)) AS events`,
      [id],
    );
    const exported = Object.fromEntries(Object.keys(counts).map((k) => [k, doc[k].length]));
    expect(exported).toEqual(Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, Number(v)])));
    // Each section is really there, not just counted: 4 purchases, both referrals, the note and the reason.
    expect(exported).toMatchObject({ purchases: 4, touchpoints: 2, referralsMade: 1, referredBy: 1, scores: 1 });
    expect(doc.touchpoints).toEqual(expect.arrayContaining([expect.objectContaining({ channel: 'PHONE', note: NOTE })]));
    expect(doc.stageHistory).toEqual(expect.arrayContaining([expect.objectContaining({ to: 'EXPANDING', reason: STAGE_REASON })]));
    expect(doc.referredBy).toEqual([expect.objectContaining({ referrer: referrerOfSubject, referred: subject })]);
    expect(doc.events.map((e) => (e as { type: string }).type)).toEqual(
      expect.arrayContaining(['CUSTOMER_CREATED', 'PURCHASE_RECORDED', 'TOUCHPOINT_RECORDED', 'STAGE_CHANGED', 'REFERRAL_CREATED']),
    );
  });

  it('is written to the audit log with who, when and why', async () => {
    const log = await server.query(PrivacyAuditLogDocument, { first: 1 });
    expect(log.privacyAuditLog.nodes[0]).toMatchObject({
      action: 'EXPORT',
      customerId: subject,
      actorRole: 'ADMIN',
      reason: 'Access request, ticket 1',
      detail: { sections: expect.objectContaining({ purchases: 4, touchpoints: 2 }) },
    });
    expect(log.privacyAuditLog.nodes[0].actor).toMatch(/^key \S+ \(.+\)$/);
  });

  it('is ADMIN or privacy:manage only; the audit log is ADMIN only', async () => {
    expect(codes(await server.request(EXPORT, { id: subject }, keys.service))).toEqual(['FORBIDDEN']);
    expect(codes(await server.request(EXPORT, { id: subject }, keys.analyst))).toEqual(['FORBIDDEN']);
    expect(codes(await server.request(EXPORT, { id: subject }, keys.partner))).toEqual(['FORBIDDEN']);
    const allowed = await server.request<{ exportCustomerData: { profile: { email: string } } }>(
      EXPORT,
      { id: subject },
      keys.servicePrivacy,
    );
    expect(allowed.errors).toBeUndefined();
    expect(allowed.data?.exportCustomerData.profile.email).toBe(PERSON.email);
    expect(codes(await server.request(PrivacyAuditLogDocument, { first: 5 }, keys.servicePrivacy))).toEqual(['FORBIDDEN']);
  });

  it("refuses a reason holding the customer's own data: the audit log outlives an erasure", async () => {
    const before = await sql(`SELECT count(*) AS n FROM privacy_audit`);
    const body = await server.request(EXPORT, { id: subject, reason: `Asked by ${PERSON.phone}` });
    expect(body.errors?.map((e) => [e.extensions?.code, e.extensions?.field])).toEqual([['BAD_USER_INPUT', 'reason']]);
    expect(await sql(`SELECT count(*) AS n FROM privacy_audit`)).toEqual(before);
  });

  it('names a missing customer NOT_FOUND and writes no audit entry', async () => {
    const before = await sql<{ n: string }[]>(`SELECT count(*) AS n FROM privacy_audit`);
    const body = await server.request(EXPORT, { id: toGlobalId('Customer', '999999999') });
    expect(codes(body)).toEqual(['NOT_FOUND']);
    expect(await sql(`SELECT count(*) AS n FROM privacy_audit`)).toEqual(before);
  });

  it('prints the same document from `npm run privacy -- export`', async () => {
    const { stdout } = await run(process.execPath, ['-r', './scripts/register.js', 'src/cli/privacy.ts', 'export', localId(subject)], {
      cwd: path.resolve(__dirname, '../..'),
      env: { ...process.env, DATABASE_URL: server.db.url, LOG_LEVEL: 'error' },
    });
    const { exportedAt: _cli, ...fromCli } = JSON.parse(stdout);
    const { exportCustomerData } = await server.query<{ exportCustomerData: Record<string, unknown> }>(EXPORT, { id: subject });
    const { exportedAt: _api, ...fromApi } = exportCustomerData;
    expect(fromCli).toEqual(fromApi);
    const [entry] = await sql<{ actor: string; api_key_id: string | null }[]>(
      `SELECT actor, api_key_id FROM privacy_audit ORDER BY id DESC OFFSET 1 LIMIT 1`,
    );
    expect(entry).toEqual({ actor: expect.stringMatching(/^cli:/), api_key_id: null });
  });
});

/** Tables whose rows, cast to text, contain `needle` (case-insensitive): every table of the database. */
async function tablesContaining(needle: string): Promise<string[]> {
  const tables = await sql<{ t: string }[]>(
    `SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) AS t FROM information_schema.tables
     WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')`,
  );
  const hits: string[] = [];
  for (const { t } of tables) {
    const [{ n }] = await sql<{ n: string }[]>(`SELECT count(*) AS n FROM ${t} r WHERE strpos(lower(r::text), lower($1)) > 0`, [needle]);
    if (Number(n) > 0) hits.push(t);
  }
  return hits;
}

/** Row versions (live or dead, not yet vacuumed) in `table`'s heap pages whose bytes contain `needle`. */
async function rowVersionsContaining(table: string, needle: string): Promise<number> {
  const [{ n }] = await sql<{ n: string }[]>(
    `SELECT count(*) AS n
     FROM generate_series(0, (pg_relation_size($1::regclass) / current_setting('block_size')::int) - 1) AS b,
          LATERAL heap_page_items(get_raw_page($1::text, b::int)) AS i
     WHERE i.t_data IS NOT NULL AND position(convert_to($2, 'UTF8') IN i.t_data) > 0`,
    [table, needle],
  );
  return Number(n);
}

describe('right to erasure', () => {
  /** The subject's stage before the erasure: the tombstone keeps it. */
  let stage: string;

  beforeAll(async () => {
    await sql(`CREATE EXTENSION IF NOT EXISTS pageinspect`);
    [{ stage }] = await sql<{ stage: string }[]>(`SELECT stage FROM customer WHERE id = $1`, [localId(subject)]);
  });

  it('the probe finds an overwritten value in a dead row version until VACUUM (control)', async () => {
    await sql(`UPDATE customer SET name = 'Someone else' WHERE id = $1`, [localId(control)]);
    expect(await rowVersionsContaining('customer', `Control ${tag}`)).toBeGreaterThan(0);
    await sql(`VACUUM customer`);
    expect(await rowVersionsContaining('customer', `Control ${tag}`)).toBe(0);
  });

  it("refuses a reason that holds the customer's own data, and writes nothing", async () => {
    const before = await tableSnapshot(server.ds);
    const body = await server.request(EraseCustomerDocument, { input: { customerId: subject, reason: `Request by ${PERSON.email}` } });
    expect(body.errors?.map((e) => [e.extensions?.code, e.extensions?.field])).toEqual([['BAD_USER_INPUT', 'input.reason']]);
    expect(await tableSnapshot(server.ds)).toEqual(before);
    expect(codes(await server.request(EraseCustomerDocument, { input: { customerId: subject, reason: 'x' } }, keys.service))).toEqual([
      'FORBIDDEN',
    ]);
  });

  it('erases in one go: a tombstone, vacuumed, announced on the feed and in the audit log', async () => {
    const erased = await server.query(
      EraseCustomerDocument,
      { input: { customerId: subject, reason: 'Erasure request, ticket 2' } },
      keys.servicePrivacy,
    );
    expect(erased.eraseCustomer).toEqual({
      vacuumed: true,
      customer: { id: subject, name: null, email: null, phone: null, externalId: null, stage, erasedAt: expect.any(String) },
    });
    const log = await server.query(PrivacyAuditLogDocument, { first: 1 });
    expect(log.privacyAuditLog.nodes[0]).toMatchObject({
      action: 'ERASE',
      customerId: subject,
      actor: expect.stringContaining('(DSAR desk)'),
      actorRole: 'SERVICE',
      reason: 'Erasure request, ticket 2',
    });
    const feed = await server.query<{
      customerEvents: { nodes: { __typename: string; type: string; customer: { id: string; erasedAt: string } }[] };
    }>(
      `query($ids: [ID!]) { customerEvents(first: 200, filter: { customerIds: $ids, types: [CUSTOMER_ERASED] }) { nodes { __typename type customer { id erasedAt } } } }`,
      { ids: [subject] },
    );
    expect(feed.customerEvents.nodes).toEqual([
      {
        __typename: 'CustomerErasedEvent',
        type: 'CUSTOMER_ERASED',
        customer: { id: subject, erasedAt: erased.eraseCustomer.customer.erasedAt },
      },
    ]);
    const [{ payload }] = await sql<{ payload: unknown }[]>(
      `SELECT payload FROM customer_event WHERE type = 'CUSTOMER_ERASED' AND customer_id = $1`,
      [localId(subject)],
    );
    expect(payload).toEqual({});
  });

  it.each([
    ['name', PERSON.name],
    ['email', PERSON.email],
    ['phone', PERSON.phone],
    ['external id', PERSON.externalId],
    ['touchpoint note', NOTE],
    ['stage-change reason', STAGE_REASON],
  ])('leaves the former %s in no column of any table and no event payload', async (_what, value) => {
    expect(await tablesContaining(value)).toEqual([]);
  });

  it('leaves no dead row version holding them in the tables it rewrote', async () => {
    for (const table of ['customer', 'touchpoint', 'stage_change', 'customer_event']) {
      for (const value of [PERSON.name, PERSON.email, PERSON.phone, NOTE, STAGE_REASON]) {
        expect([table, value, await rowVersionsContaining(table, value)]).toEqual([table, value, 0]);
      }
    }
    // The search copy of the name and email (customer_search, kept by the customer triggers).
    for (const value of [PERSON.name, PERSON.email]) {
      expect(['customer_search', value, await rowVersionsContaining('customer_search', value)]).toEqual(['customer_search', value, 0]);
    }
    // The duplicate-detection keys: the normalised email and the phone's digits.
    for (const value of [PERSON.email.toLowerCase(), PERSON.phone.replace(/[^0-9]/g, '')]) {
      expect(['customer_match_key', value, await rowVersionsContaining('customer_match_key', value)]).toEqual([
        'customer_match_key',
        value,
        0,
      ]);
    }
  });

  it('keeps the non-personal facts: refitting the churn model gives the same parameters', async () => {
    const { exportCustomerData: doc } = await server.query<{ exportCustomerData: Record<string, unknown[]> }>(EXPORT, { id: subject });
    expect(doc.purchases).toHaveLength(4);
    expect(doc.touchpoints.map((t) => (t as { note: unknown }).note)).toEqual([null, null]);
    const after = (await server.query<{ fitChurnModel: { model: unknown } }>(FIT, { input: { calibrationEnd: CALIBRATION_END } }))
      .fitChurnModel.model;
    expect(after).toEqual(modelBefore);
    // The refit moves customers whose risk rose, but never the erased one.
    expect(await sql(`SELECT stage FROM customer WHERE id = $1`, [localId(subject)])).toEqual([{ stage }]);
  });

  it('reads as erased on both read paths, never as not found', async () => {
    const query = `query($id: ID!) { customer(id: $id) { id name email phone externalId erasedAt stage purchases { totalCount } }
      node(id: $id) { ... on Customer { name erasedAt } }
      customers(first: 200, filter: { search: "${tag}" }) { nodes { id } } }`;
    const compiled = await server.query<{ customer: Record<string, unknown> }>(query, { id: subject });
    const plain = await resolvers.query(query, { id: subject });
    expect(plain).toEqual(compiled);
    expect(compiled.customer).toEqual({
      id: subject,
      name: null,
      email: null,
      phone: null,
      externalId: null,
      erasedAt: expect.any(String),
      stage,
      purchases: { totalCount: 4 },
    });
  });

  it('refuses every mutation on the erased customer with CUSTOMER_ERASED', async () => {
    const before = await tableSnapshot(server.ds);
    const attempts: [string, Record<string, unknown>][] = [
      [
        `mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) { customer { id } } }`,
        { input: { id: subject, name: 'Back again' } },
      ],
      [
        `mutation($input: RecordTouchpointInput!) { recordTouchpoint(input: $input) { touchpoint { id } } }`,
        { input: { customerId: subject, channel: 'EMAIL', occurredAt: new Date().toISOString(), response: 'NO_RESPONSE' } },
      ],
      [
        `mutation($input: RecordPurchasesInput!) { recordPurchases(input: $input) { purchases { id } } }`,
        { input: { purchases: [{ customerId: subject, occurredAt: new Date().toISOString(), quantity: 1, amount: '5.00' }] } },
      ],
      [
        `mutation($input: TransitionCustomerStageInput!) { transitionCustomerStage(input: $input) { customer { id } } }`,
        { input: { customerId: subject, to: 'RETAINED' } },
      ],
      [print(EraseCustomerDocument), { input: { customerId: subject, reason: 'Again' } }],
    ];
    for (const [doc, variables] of attempts) {
      const body = await server.request(doc, variables);
      expect([doc.slice(0, 40), codes(body)]).toEqual([doc.slice(0, 40), ['CUSTOMER_ERASED']]);
    }
    const purchase = await server.request(attempts[2][0], attempts[2][1]);
    expect(purchase.errors?.[0].extensions).toMatchObject({ field: 'input.purchases[0].customerId', customerId: subject });
    expect(await tableSnapshot(server.ds)).toEqual(before);
  });

  it('erases from `npm run privacy -- erase` too, audited as the command line', async () => {
    const cli = (...args: string[]) =>
      run(process.execPath, ['-r', './scripts/register.js', 'src/cli/privacy.ts', ...args], {
        cwd: path.resolve(__dirname, '../..'),
        env: { ...process.env, DATABASE_URL: server.db.url, LOG_LEVEL: 'error' },
      });
    await expect(cli('erase', localId(referredBySubject))).rejects.toMatchObject({ stderr: expect.stringContaining('--reason') });
    const { stdout } = await cli('erase', referredBySubject, '--reason', 'Erasure request, ticket 3');
    expect(stdout).toContain(`Erased customer ${referredBySubject}`);
    expect(stdout).toContain('Touched tables vacuumed.');
    const [row] = await sql(`SELECT name, erased_at IS NOT NULL AS erased FROM customer WHERE id = $1`, [localId(referredBySubject)]);
    expect(row).toEqual({ name: '', erased: true });
    const log = await server.query(PrivacyAuditLogDocument, { first: 1 });
    expect(log.privacyAuditLog.nodes[0]).toMatchObject({
      action: 'ERASE',
      customerId: referredBySubject,
      actor: expect.stringMatching(/^cli:/),
      actorRole: null,
      reason: 'Erasure request, ticket 3',
    });
    await expect(cli('erase', referredBySubject, '--reason', 'Again')).rejects.toMatchObject({
      stderr: expect.stringContaining('was erased'),
    });
  });

  it('erases what the consent, partner-sharing and merge records hold about the person, and the profiles merged into them', async () => {
    const marker = `Ursula ${tag}`;
    const person = await createCustomer({ name: `${marker} Main`, email: `ursula.${tag}@example.com` });
    const duplicate = await createCustomer({ name: `${marker} Dup`, email: `u.${tag}.dup@example.com`, phone: '+44 20 7946 0958' });
    const ok = (body: GraphQLResponse<unknown>) => expect(body.errors).toBeUndefined();
    ok(
      await server.request(
        `mutation($i: SetCommunicationPreferencesInput!) { setCommunicationPreferences(input: $i) { consentRecord { recordedAt } } }`,
        { i: { customerId: person, channels: [{ channel: 'EMAIL', status: 'OPTED_IN' }], source: `${marker} said yes on the phone` } },
      ),
    );
    ok(
      await server.request(`mutation($i: SetPartnerSharingInput!) { setPartnerSharing(input: $i) { changed } }`, {
        i: { customerId: person, partner: 'acme-travel', share: true, source: `${marker} ticked the box` },
      }),
    );
    ok(
      await server.request(`mutation($i: MergeCustomersInput!) { mergeCustomers(input: $i) { merge { id } } }`, {
        i: { survivorId: person, mergedIds: [duplicate] },
      }),
    );
    const exported = await server.query<{ exportCustomerData: Record<string, unknown[]> }>(EXPORT, {
      id: person,
      reason: 'Access request',
    });
    expect(exported.exportCustomerData.consentRecords).toHaveLength(1);
    expect(exported.exportCustomerData.partnerSharing).toHaveLength(1);
    expect(exported.exportCustomerData.merges).toHaveLength(1);
    expect(await tablesContaining(marker)).not.toEqual([]);

    ok(await server.request(print(EraseCustomerDocument), { input: { customerId: person, reason: 'Erasure request' } }));
    for (const needle of [marker, `ursula.${tag}`, `u.${tag}.dup`, '7946 0958'])
      expect([needle, await tablesContaining(needle)]).toEqual([needle, []]);
  });

  it('a new customer with the same external id is a new, unrelated person', async () => {
    const fresh = await createCustomer({ name: 'Someone new', externalId: PERSON.externalId });
    expect(fresh).not.toBe(subject);
    const data = await server.query<{ a: Record<string, unknown>; b: Record<string, unknown> }>(
      `query($a: ID!, $b: ID!) { a: customer(id: $a) { externalId name erasedAt purchases { totalCount } } b: customer(id: $b) { externalId name erasedAt } }`,
      { a: fresh, b: subject },
    );
    expect(data).toEqual({
      a: { externalId: PERSON.externalId, name: 'Someone new', erasedAt: null, purchases: { totalCount: 0 } },
      b: { externalId: null, name: null, erasedAt: expect.any(String) },
    });
  });
});
