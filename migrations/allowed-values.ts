import type { QueryRunner } from 'typeorm';

/**
 * Checks that list allowed values (event types, key scopes) are rewritten as
 * what the database allows now, plus `add`, minus `remove`: read, not restated,
 * so migrations that add values in any order keep each other's.
 */
async function rewriteListCheck(
  q: QueryRunner,
  table: string,
  constraint: string,
  add: readonly string[],
  remove: readonly string[],
  check: (quoted: string) => string,
): Promise<void> {
  const [row]: { def: string }[] = await q.query(
    `SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = $1::regclass AND conname = $2`,
    [table, constraint],
  );
  const current = [...(row?.def ?? '').matchAll(/'([A-Za-z_:]+)'/g)].map((m) => m[1]!);
  const values = [...new Set([...current, ...add])].filter((v) => !remove.includes(v));
  await q.query(`ALTER TABLE ${table} DROP CONSTRAINT IF EXISTS ${constraint}`);
  await q.query(`ALTER TABLE ${table} ADD CONSTRAINT ${constraint} CHECK (${check(values.map((v) => `'${v}'`).join(', '))})`);
}

/** The outbox's event types (customer_event.type). */
export function changeEventTypes(q: QueryRunner, add: readonly string[], remove: readonly string[] = []): Promise<void> {
  return rewriteListCheck(q, 'customer_event', 'customer_event_type_check', add, remove, (list) => `type IN (${list})`);
}

/** The scopes an API key may hold (api_key.scopes). */
export function changeKeyScopes(q: QueryRunner, add: readonly string[], remove: readonly string[] = []): Promise<void> {
  return rewriteListCheck(q, 'api_key', 'api_key_scopes_check', add, remove, (list) => `scopes <@ ARRAY[${list}]::text[]`);
}
