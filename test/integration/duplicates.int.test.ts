/**
 * Duplicate detection over real HTTP and PostgreSQL: the matching rules and the score, both
 * lists, that they follow every write (triggers), that tombstones leave them, and that personal
 * data in them needs pii:read.
 */
import { toGlobalId } from '../../src/shared/global-id';
import { CustomerDuplicatesDocument, DuplicateCandidatesDocument, MergeCustomersDocument } from '../generated/graphql';
import { startTestServer, type TestServer } from '../support/server';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

/** Inserts customers straight into the table (the API would trim what these rows test), returning global ids by name. */
async function insert(rows: { name: string; email?: string; phone?: string }[]): Promise<string[]> {
  const out: { id: string }[] = await server.ds.query(
    `INSERT INTO customer (name, email, phone, stage, stage_entered_at)
     SELECT r.name, r.email, r.phone, 'IDENTIFIED', now() FROM jsonb_to_recordset($1::jsonb) AS r(name text, email text, phone text, ord int)
     ORDER BY r.ord RETURNING id::text AS id`,
    [JSON.stringify(rows.map((r, ord) => ({ ...r, ord })))],
  );
  return out.map((r) => toGlobalId('Customer', r.id));
}

type Pair = {
  score: number;
  reasons: string[];
  customer: { id: string; name: string | null };
  duplicate: { id: string; name: string | null };
};
const pairOf = (pairs: Pair[], a: string, b: string) =>
  pairs.find((p) => (p.customer.id === a && p.duplicate.id === b) || (p.customer.id === b && p.duplicate.id === a));

describe('duplicate candidates', () => {
  let ids: string[];
  beforeAll(async () => {
    ids = await insert([
      { name: 'Ann Lee', email: 'ann.lee@x.com' }, // 0
      { name: 'ANN LEE', email: ' Ann.Lee@X.com ' }, // 1: same email after case and whitespace
      { name: 'Bo Chen', phone: '+1 (555) 010-2030' }, // 2
      { name: 'Robert Chen', phone: '1 555 010 2030' }, // 3: same phone digits, names not similar
      { name: 'Jonathan Smith', email: 'jsmith@a.com' }, // 4
      { name: 'Jonathon Smith', email: 'jsmith@b.org' }, // 5: similar name + same local part
      { name: 'Alice Wong', email: 'info@shop-a.com' }, // 6
      { name: 'Pedro Alvarez', email: 'info@shop-b.com' }, // 7: same local part, names unlike: no pair
    ]);
  });

  it('finds pairs by email, phone and similar names with a shared attribute, scored by the documented formula', async () => {
    const data = await server.query(DuplicateCandidatesDocument, { first: 50 });
    const pairs = data.duplicateCandidates.edges.map((e) => e.node) as Pair[];
    expect(data.duplicateCandidates.totalCount).toBe(3);
    // Same email and the same name (similarity 1): 1 − (1 − 0.8)(1 − 0.6·1) = 0.92.
    expect(pairOf(pairs, ids[0], ids[1])).toMatchObject({ score: 0.92, reasons: ['SAME_EMAIL', 'SIMILAR_NAME'] });
    expect(pairOf(pairs, ids[2], ids[3])).toMatchObject({ score: 0.6, reasons: ['SAME_PHONE'] });
    const smith = pairOf(pairs, ids[4], ids[5]) as Pair & { nameSimilarity: number };
    expect(smith.reasons).toEqual(['SIMILAR_NAME']);
    expect(smith.score).toBeCloseTo(0.6 * smith.nameSimilarity, 3);
    expect(pairOf(pairs, ids[6], ids[7])).toBeUndefined();
    // Best first; each pair once, lower id as `customer`.
    expect(pairs.map((p) => p.score)).toEqual([...pairs.map((p) => p.score)].sort((a, b) => b - a));
    for (const p of pairs)
      expect(BigInt(Buffer.from(p.customer.id, 'base64url').toString().split(':')[1])).toBeLessThan(
        BigInt(Buffer.from(p.duplicate.id, 'base64url').toString().split(':')[1]),
      );
  });

  it('pages with cursors and filters by minScore', async () => {
    const first = await server.query(DuplicateCandidatesDocument, { first: 2 });
    expect(first.duplicateCandidates.pageInfo.hasNextPage).toBe(true);
    const next = await server.query(DuplicateCandidatesDocument, { first: 2, after: first.duplicateCandidates.pageInfo.endCursor });
    expect(next.duplicateCandidates.edges).toHaveLength(1);
    expect(next.duplicateCandidates.pageInfo.hasNextPage).toBe(false);
    const strong = await server.query(DuplicateCandidatesDocument, { first: 10, minScore: 0.6 });
    expect(strong.duplicateCandidates.edges.map((e) => e.node.score)).toEqual([0.92, 0.6]);
    const bad = await server.request(DuplicateCandidatesDocument, { first: 10, minScore: 1.5 });
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'minScore' });
  });

  it("lists a customer's possible duplicates", async () => {
    const data = await server.query(CustomerDuplicatesDocument, { id: ids[0] });
    expect(data.customer?.possibleDuplicates.totalCount).toBe(1);
    expect(data.customer?.possibleDuplicates.nodes[0]).toMatchObject({ customer: { id: ids[0] }, duplicate: { id: ids[1] }, score: 0.92 });
  });

  it('follows writes: an edited email makes and breaks pairs; merged profiles leave the lists', async () => {
    await server.query(`mutation ($input: UpdateCustomerInput!) { updateCustomer(input: $input) { customer { id } } }`, {
      input: { id: ids[6], email: 'Jsmith@A.com' },
    });
    let data = await server.query(CustomerDuplicatesDocument, { id: ids[4] });
    expect(data.customer?.possibleDuplicates.nodes.map((n) => n.duplicate.id).sort()).toEqual([ids[5], ids[6]].sort());

    await server.query(MergeCustomersDocument, { input: { survivorId: ids[4], mergedIds: [ids[6]] } });
    data = await server.query(CustomerDuplicatesDocument, { id: ids[4] });
    expect(data.customer?.possibleDuplicates.nodes.map((n) => n.duplicate.id)).toEqual([ids[5]]);
    const all = await server.query(DuplicateCandidatesDocument, { first: 50 });
    const listed = all.duplicateCandidates.edges.flatMap((e) => [e.node.customer.id, e.node.duplicate.id]);
    expect(listed).not.toContain(ids[6]);
  });

  it('an insert writes the keys and pairs a full rebuild would, and leaves the session as it was', async () => {
    // The insert trigger writes new customers' keys itself, skipping their foreign-key check (migration CheaperCustomerInserts).
    const snapshot = async () =>
      (
        await server.ds.query(
          `SELECT (SELECT json_agg(k ORDER BY k.customer_id) FROM customer_match_key k) AS keys,
                  (SELECT json_agg(d ORDER BY d.customer_id, d.duplicate_id) FROM duplicate_pair d) AS pairs`,
        )
      )[0];
    const role = await server.ds.transaction(async (em) => {
      await em.query(
        `INSERT INTO customer (name, email, phone, stage, stage_entered_at) VALUES
           ('Ann Leigh', 'ANN.LEE@x.com', '555 010 2030', 'IDENTIFIED', now()), ('Nobody', NULL, NULL, 'IDENTIFIED', now())`,
      );
      return (await em.query(`SELECT current_setting('session_replication_role') AS r`))[0].r;
    });
    expect(role).toBe('origin');
    const inserted = await snapshot();
    expect(inserted.pairs.length).toBeGreaterThan(0);
    await server.ds.query(`SELECT refresh_duplicate_pairs(ARRAY(SELECT id FROM customer))`);
    expect(await snapshot()).toEqual(inserted);
  });
});

describe('who sees what', () => {
  it('shows personal data in the lists only with pii:read, and the list only to readers of it', async () => {
    const analyst = await server.createKey({ role: 'ANALYST' });
    const analystPii = await server.createKey({ role: 'ANALYST', scopes: ['pii:read'] });
    const partner = await server.createKey({ role: 'PARTNER' });
    const service = await server.createKey({ role: 'SERVICE' });
    const steward = await server.createKey({ role: 'SERVICE', scopes: ['customers:merge'] });

    const hidden = await server.request(DuplicateCandidatesDocument, { first: 1 }, server.auth(analyst));
    expect(hidden.data?.duplicateCandidates.edges[0].node.score).toBeGreaterThan(0);
    expect(hidden.data?.duplicateCandidates.edges[0].node.customer.name).toBeNull();
    expect(hidden.errors?.every((e) => e.extensions?.code === 'FORBIDDEN')).toBe(true);
    expect(hidden.errors?.map((e) => e.path?.at(-1))).toEqual(expect.arrayContaining(['name', 'email', 'phone']));

    const shown = await server.request(DuplicateCandidatesDocument, { first: 1 }, server.auth(analystPii));
    expect(shown.errors).toBeUndefined();
    expect(shown.data?.duplicateCandidates.edges[0].node.customer.name).toMatch(/Ann Lee/i);

    for (const key of [partner, service]) {
      const res = await server.request(DuplicateCandidatesDocument, { first: 1 }, server.auth(key));
      expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    const stewardView = await server.request(DuplicateCandidatesDocument, { first: 1 }, server.auth(steward));
    expect(stewardView.data?.duplicateCandidates.edges).toHaveLength(1);
  });
});

/**
 * The pairs as 1764076000000-CheaperCustomerInserts computed them (a full rebuild, as a query):
 * the oracle for the cheaper insert_duplicate_pairs of 1764076500000-BulkCustomerInserts.
 */
const PAIRS_BEFORE = `
  WITH live AS (SELECT k.* FROM customer_match_key k), matched AS (
    SELECT l.customer_id AS a, o.customer_id AS b FROM live l JOIN customer_match_key o ON o.email_normalized = l.email_normalized AND o.customer_id <> l.customer_id
    UNION
    SELECT l.customer_id, o.customer_id FROM live l JOIN customer_match_key o ON o.phone_digits = l.phone_digits AND o.customer_id <> l.customer_id
    UNION
    SELECT l.customer_id, o.customer_id FROM live l JOIN customer_match_key o ON o.email_local = l.email_local AND o.customer_id <> l.customer_id
  ), pairs AS (SELECT DISTINCT least(a, b) AS a, greatest(a, b) AS b FROM matched), judged AS (
    SELECT p.a, p.b, (kx.email_normalized = ky.email_normalized) IS TRUE AS same_email, (kx.phone_digits = ky.phone_digits) IS TRUE AS same_phone,
      similarity(lower(x.name), lower(y.name))::numeric AS sim
    FROM pairs p JOIN customer x ON x.id = p.a JOIN customer y ON y.id = p.b
    JOIN customer_match_key kx ON kx.customer_id = p.a JOIN customer_match_key ky ON ky.customer_id = p.b
  ), scored AS (SELECT *, sim >= 0.5 AS similar_name FROM judged), kept AS (
    SELECT a, b,
      round(1 - (1 - CASE WHEN same_email THEN 0.8 ELSE 0 END) * (1 - CASE WHEN same_phone THEN 0.6 ELSE 0 END)
               * (1 - CASE WHEN similar_name THEN 0.6 * sim ELSE 0 END), 3) AS score,
      array_remove(ARRAY[CASE WHEN same_email THEN 'SAME_EMAIL' END, CASE WHEN same_phone THEN 'SAME_PHONE' END,
                         CASE WHEN similar_name THEN 'SIMILAR_NAME' END], NULL) AS reasons,
      round(sim, 3) AS sim
    FROM scored WHERE same_email OR same_phone OR similar_name
  )
  SELECT a AS customer_id, b AS duplicate_id, score, reasons, sim AS name_similarity FROM kept
  UNION ALL SELECT b, a, score, reasons, sim FROM kept`;

/** The keys as 1764073500000-CheapCustomerUpdates defined them, for the same comparison. */
const KEYS_BEFORE = `
  SELECT c.id AS customer_id, nullif(lower(regexp_replace(c.email, '\\s', '', 'g')), '') AS email_normalized,
    nullif(split_part(lower(regexp_replace(c.email, '\\s', '', 'g')), '@', 1), '') AS email_local,
    CASE WHEN length(regexp_replace(c.phone, '[^0-9]', '', 'g')) >= 6 THEN regexp_replace(c.phone, '[^0-9]', '', 'g') END AS phone_digits
  FROM customer c WHERE c.merged_into IS NULL AND (c.email IS NOT NULL OR c.phone IS NOT NULL)`;

describe('keys and pairs written by inserts of many customers at once', () => {
  it('are the ones the earlier definitions give, for customers that share keys in every way', async () => {
    // Few distinct values, so most customers share an email, a local part, a phone or a name with others.
    let seed = 7;
    const pick = <T>(xs: T[]): T => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      // The high bits: the low ones of this generator repeat with a short period.
      return xs[(seed >>> 16) % xs.length];
    };
    const names = ['Ann Lee', 'ANN  LEE', 'Anne Lee', 'Bo Chen', 'Bob Chen', 'Zoë Ångström', 'x', ''];
    const emails = [null, '', ' ', '@', 'a@b.co', 'A@B.CO', ' a @b.co\t', 'a@other.org', '@b.co', 'ann\n@x.com', 'Ann@X.com', 'ann'];
    const phones = [null, '', '12345', '1 2 3 4 5 6', '+1 (555) 010-2030', '15550102030', '٠١٢٣٤٥٦٧', 'ext. 555 0102 030'];
    const rows = Array.from({ length: 400 }, () => ({ name: pick(names), email: pick(emails), phone: pick(phones) }));
    // One multi-row insert (the bulk path), then single rows against what is stored.
    await insert(rows.slice(0, 360).map((r) => ({ name: r.name, email: r.email ?? undefined, phone: r.phone ?? undefined })));
    for (const r of rows.slice(360, 370)) await insert([{ name: r.name, email: r.email ?? undefined, phone: r.phone ?? undefined }]);
    // Compared in SQL: rows in one set and not the other (a diff of thousands of rows in Jest takes minutes).
    const differ = (a: string, b: string) =>
      `SELECT count(*)::int AS n, (SELECT json_agg(d) FROM (SELECT * FROM ((${a}) EXCEPT ALL (${b})) x LIMIT 3) d) AS some FROM ((${a}) EXCEPT ALL (${b})) y`;
    const stored = `SELECT customer_id, duplicate_id, score, reasons, name_similarity FROM duplicate_pair`;
    const [[{ n: pairs }], [{ n: keys }]] = await Promise.all([
      server.ds.query(`SELECT count(*)::int AS n FROM duplicate_pair`),
      server.ds.query(`SELECT count(*)::int AS n FROM customer_match_key`),
    ]);
    expect(pairs).toBeGreaterThan(1000);
    expect(keys).toBeGreaterThan(300);
    for (const [a, b] of [
      [`SELECT * FROM customer_match_key`, KEYS_BEFORE],
      [KEYS_BEFORE, `SELECT * FROM customer_match_key`],
      [stored, PAIRS_BEFORE],
      [PAIRS_BEFORE, stored],
    ])
      expect((await server.ds.query(differ(a, b)))[0]).toEqual({ n: 0, some: null });
  });
});
