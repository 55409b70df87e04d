/**
 * The set-based statements of a merge and an unmerge. Each one moves or restores every row of
 * its kind at once, so a merge costs the same handful of statements whatever the row counts.
 * Parameters: $1 the merge id, then as noted.
 *
 * The journal: customer_merge_move (a row's customer column and where it pointed before),
 * customer_merge_row (whole rows dropped or changed in place, without personal values) and
 * customer_merge_personal (the only copy of personal values, for erasure to find).
 */

/** Personal columns of `customer`, journaled apart. */
const PERSONAL_COLUMNS = ['name', 'email', 'phone', 'external_id'];

/** Columns of purchase-like tables whose one customer column moves to the survivor. */
export const MOVED_TABLES = ['purchase', 'touchpoint', 'stage_change'] as const;

/** $2 every customer of the merge, $3 the merged ids. */
export const JOURNAL_CUSTOMERS = `
  WITH personal AS (
    INSERT INTO customer_merge_personal (merge_id, customer_id, name, email, phone, external_id)
    SELECT $1::bigint, c.id, c.name, c.email, c.phone, c.external_id FROM customer c WHERE c.id = ANY($2::bigint[])
  )
  INSERT INTO customer_merge_row (merge_id, table_name, row_id, action, row)
  SELECT $1::bigint, 'customer', c.id, 'CHANGED', to_jsonb(c) - ARRAY[${PERSONAL_COLUMNS.map((c) => `'${c}'`).join(', ')}]
  FROM customer c WHERE c.id = ANY($2::bigint[]) OR c.merged_into = ANY($3::bigint[])`;

/**
 * Holdings: one per product. The survivor's holding of a product wins, else the merged
 * profiles' earliest; it takes the earliest `since` of the group, is ACTIVE if any was, else
 * CLOSED at the latest close. The others are dropped (journaled whole). $2 all ids, $3 survivor.
 */
export const MERGE_HOLDINGS = `
  WITH g AS (
    SELECT h.id, h.customer_id, h.since, h.status, h.closed_at,
      row_number() OVER (PARTITION BY h.product_id ORDER BY (h.customer_id = $3::bigint) DESC, h.since, h.id) AS rn,
      min(h.since) OVER (PARTITION BY h.product_id) AS new_since,
      bool_or(h.status = 'ACTIVE') OVER (PARTITION BY h.product_id) AS any_active,
      max(h.closed_at) OVER (PARTITION BY h.product_id) AS last_closed
    FROM holding h WHERE h.customer_id = ANY($2::bigint[])
  ), t AS (
    SELECT g.*, CASE WHEN any_active THEN 'ACTIVE' ELSE 'CLOSED' END AS new_status,
      CASE WHEN any_active THEN NULL ELSE last_closed END AS new_closed_at
    FROM g
  ), touched AS (
    SELECT t.* FROM t WHERE t.rn > 1 OR t.customer_id <> $3::bigint OR t.since <> t.new_since OR t.status <> t.new_status
      OR t.closed_at IS DISTINCT FROM t.new_closed_at
  ), journal AS (
    INSERT INTO customer_merge_row (merge_id, table_name, row_id, action, row)
    SELECT $1::bigint, 'holding', h.id, CASE WHEN touched.rn > 1 THEN 'DROPPED' ELSE 'CHANGED' END, to_jsonb(h)
    FROM touched JOIN holding h ON h.id = touched.id
  ), dropped AS (
    DELETE FROM holding h USING touched WHERE h.id = touched.id AND touched.rn > 1
  )
  UPDATE holding h SET customer_id = $3::bigint, since = touched.new_since, status = touched.new_status, closed_at = touched.new_closed_at
  FROM touched WHERE h.id = touched.id AND touched.rn = 1`;

/** Purchases, touchpoints and stage history move to the survivor; the tombstones' scores go. $2 merged ids, $3 survivor. */
export const MERGE_CHILDREN = `
  WITH ${MOVED_TABLES.map(
    (t) => `
    ${t}_journal AS (
      INSERT INTO customer_merge_move (merge_id, table_name, column_name, row_id, from_customer_id)
      SELECT $1::bigint, '${t}', 'customer_id', x.id, x.customer_id FROM ${t} x WHERE x.customer_id = ANY($2::bigint[])
    ), ${t}_moved AS (
      UPDATE ${t} x SET customer_id = $3::bigint WHERE x.customer_id = ANY($2::bigint[])
    )`,
  ).join(',')}
  DELETE FROM customer_score WHERE customer_id = ANY($2::bigint[])`;

/**
 * Referrals touching the merge, as they would be after it: either side in the merge becomes
 * the survivor. A referral between two profiles of the merge (a self-referral after it) is
 * dropped; of several referrals of the survivor (each profile may have been referred once),
 * the earliest stays and the others are dropped. $2 all ids, $3 merged ids, $4 survivor.
 */
const REFERRALS_AFTER = `
  r AS (
    SELECT x.id, x.referrer_id, x.referred_id, x.created_at,
      CASE WHEN x.referrer_id = ANY($2::bigint[]) THEN $4::bigint ELSE x.referrer_id END AS nr,
      CASE WHEN x.referred_id = ANY($2::bigint[]) THEN $4::bigint ELSE x.referred_id END AS nd
    FROM referral x WHERE x.referrer_id = ANY($3::bigint[]) OR x.referred_id = ANY($2::bigint[])
  ), judged AS (
    SELECT r.*, r.nr = r.nd OR row_number() OVER (PARTITION BY r.nd, r.nr = r.nd ORDER BY r.created_at, r.id) > 1 AS dropped FROM r
  )`;

export const MERGE_DROP_REFERRALS = `
  WITH ${REFERRALS_AFTER}, journal AS (
    INSERT INTO customer_merge_row (merge_id, table_name, row_id, action, row)
    SELECT $1::bigint, 'referral', x.id, 'DROPPED', to_jsonb(x) FROM judged JOIN referral x ON x.id = judged.id WHERE judged.dropped
  )
  DELETE FROM referral x USING judged WHERE x.id = judged.id AND judged.dropped`;

export const MERGE_MOVE_REFERRALS = `
  WITH ${REFERRALS_AFTER}, journal AS (
    INSERT INTO customer_merge_move (merge_id, table_name, column_name, row_id, from_customer_id)
    SELECT $1::bigint, 'referral', 'referrer_id', id, referrer_id FROM judged WHERE referrer_id <> nr
    UNION ALL
    SELECT $1::bigint, 'referral', 'referred_id', id, referred_id FROM judged WHERE referred_id <> nd
  )
  UPDATE referral x SET referrer_id = judged.nr, referred_id = judged.nd
  FROM judged WHERE x.id = judged.id AND (x.referrer_id <> judged.nr OR x.referred_id <> judged.nd)`;

/**
 * The merged profiles become tombstones; older tombstones of them follow to the survivor. They
 * keep their external ids (an import matching on one finds the tombstone and follows
 * `merged_into`), except the one the survivor takes: external ids stay unique.
 * $2 merged, $3 survivor, $4 now, $5 the survivor's external id after the merge.
 */
export const MERGE_TOMBSTONES = `
  UPDATE customer c SET merged_into = $3::bigint,
    merge_id = CASE WHEN c.id = ANY($2::bigint[]) THEN $1 ELSE c.merge_id END,
    external_id = CASE WHEN c.id = ANY($2::bigint[]) AND c.external_id = $5::text THEN NULL ELSE c.external_id END,
    updated_at = CASE WHEN c.id = ANY($2::bigint[]) THEN $4::timestamptz ELSE c.updated_at END
  WHERE c.id = ANY($2::bigint[]) OR c.merged_into = ANY($2::bigint[])`;

/** The survivor takes the kept values. $2 survivor, then the values. */
export const MERGE_SURVIVOR = `
  UPDATE customer SET name = $2, email = $3, phone = $4, external_id = $5, persona_id = $6::bigint, stage = $7,
    stage_entered_at = $8::timestamptz, last_purchase_at = $9::timestamptz, updated_at = $10::timestamptz
  WHERE id = $1::bigint`;

// ---- unmerge ----------------------------------------------------------------------------

/** Referral sides go back to the customers they pointed at. */
export const UNMERGE_MOVE_REFERRALS = `
  UPDATE referral x SET referrer_id = coalesce(a.from_customer_id, x.referrer_id), referred_id = coalesce(b.from_customer_id, x.referred_id)
  FROM (SELECT DISTINCT row_id FROM customer_merge_move WHERE merge_id = $1 AND table_name = 'referral') k
  LEFT JOIN customer_merge_move a ON a.merge_id = $1 AND a.table_name = 'referral' AND a.column_name = 'referrer_id' AND a.row_id = k.row_id
  LEFT JOIN customer_merge_move b ON b.merge_id = $1 AND b.table_name = 'referral' AND b.column_name = 'referred_id' AND b.row_id = k.row_id
  WHERE x.id = k.row_id`;

/** Dropped rows of `table` come back as they were, ids included. */
export const restoreDropped = (table: 'referral' | 'holding') => `
  INSERT INTO ${table} OVERRIDING SYSTEM VALUE
  SELECT (jsonb_populate_record(NULL::${table}, j.row)).* FROM customer_merge_row j
  WHERE j.merge_id = $1 AND j.table_name = '${table}' AND j.action = 'DROPPED' ORDER BY j.row_id`;

/** Holdings changed in place (moved, or given another since/status) get their old values back. */
export const UNMERGE_CHANGED_HOLDINGS = `
  UPDATE holding x SET customer_id = r.customer_id, since = r.since, status = r.status, closed_at = r.closed_at
  FROM customer_merge_row j CROSS JOIN LATERAL jsonb_populate_record(NULL::holding, j.row) r
  WHERE j.merge_id = $1 AND j.table_name = 'holding' AND j.action = 'CHANGED' AND x.id = j.row_id`;

/** Purchases, touchpoints and stage changes that moved go back; rows added since stay with the survivor. */
export const UNMERGE_CHILDREN = `
  WITH ${MOVED_TABLES.map(
    (t) => `
    ${t}_back AS (
      UPDATE ${t} x SET customer_id = j.from_customer_id FROM customer_merge_move j
      WHERE j.merge_id = $1 AND j.table_name = '${t}' AND j.column_name = 'customer_id' AND x.id = j.row_id
    )`,
  ).join(',')}
  SELECT 1`;

/**
 * The survivor's profile as before the merge (personal values and persona included). Its stage
 * stays as it is when it moved after the merge; `last_purchase_at` also counts purchases
 * recorded since; `updated_at` is now if it changed since. $2 survivor, $3 merged at, $4 now.
 */
export const UNMERGE_SURVIVOR = `
  UPDATE customer c SET name = p.name, email = p.email, phone = p.phone, external_id = p.external_id, persona_id = r.persona_id,
    stage = CASE WHEN c.stage_entered_at > $3::timestamptz THEN c.stage ELSE r.stage END,
    stage_entered_at = CASE WHEN c.stage_entered_at > $3::timestamptz THEN c.stage_entered_at ELSE r.stage_entered_at END,
    last_purchase_at = greatest(r.last_purchase_at,
      (SELECT max(pu.occurred_at) FROM purchase pu WHERE pu.customer_id = c.id AND pu.recorded_at > $3::timestamptz)),
    updated_at = CASE WHEN c.updated_at > $3::timestamptz THEN $4::timestamptz ELSE r.updated_at END
  FROM customer_merge_row j CROSS JOIN LATERAL jsonb_populate_record(NULL::customer, j.row) r, customer_merge_personal p
  WHERE c.id = $2::bigint AND j.merge_id = $1 AND j.table_name = 'customer' AND j.row_id = c.id AND p.merge_id = $1 AND p.customer_id = c.id`;

/** The merged profiles (and older tombstones that followed them) exactly as they were. $2 survivor. */
export const UNMERGE_TOMBSTONES = `
  UPDATE customer c SET merged_into = r.merged_into, merge_id = r.merge_id, external_id = CASE WHEN p.customer_id IS NULL THEN c.external_id ELSE p.external_id END,
    persona_id = r.persona_id, stage = r.stage, stage_entered_at = r.stage_entered_at, last_purchase_at = r.last_purchase_at,
    created_at = r.created_at, updated_at = r.updated_at
  FROM customer_merge_row j CROSS JOIN LATERAL jsonb_populate_record(NULL::customer, j.row) r
  LEFT JOIN customer_merge_personal p ON p.merge_id = $1 AND p.customer_id = r.id
  WHERE j.merge_id = $1 AND j.table_name = 'customer' AND j.row_id = c.id AND c.id <> $2::bigint`;

/** The merge is marked undone and its journal goes (the personal copies with it). $2 now, $3 who. */
export const UNMERGE_CLOSE = `
  WITH moves AS (DELETE FROM customer_merge_move WHERE merge_id = $1),
  rows AS (DELETE FROM customer_merge_row WHERE merge_id = $1),
  personal AS (DELETE FROM customer_merge_personal WHERE merge_id = $1)
  UPDATE customer_merge SET unmerged_at = $2::timestamptz, unmerged_by = $3 WHERE id = $1`;
