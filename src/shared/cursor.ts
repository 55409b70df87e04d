/**
 * Keyset cursors. A cursor carries the full sort key plus the primary key of
 * the row it points at, and the name of the ordering it belongs to, so paging
 * on a non-unique sort never skips or repeats a row, and a cursor from another
 * ordering is refused instead of silently misused.
 */
import { DomainError, ErrorCode } from './errors';

export type CursorValue = string | number | null;

const PREFIX = 'c1';

export function encodeCursor(ordering: string, values: CursorValue[]): string {
  return Buffer.from(JSON.stringify([PREFIX, ordering, ...values]), 'utf8').toString('base64url');
}

/** Decodes a cursor made for `ordering` with `arity` values; throws BAD_USER_INPUT naming `field` otherwise. */
export function decodeCursor(cursor: string, ordering: string, arity: number, field: string): CursorValue[] {
  const fail = (why: string) =>
    new DomainError(ErrorCode.BAD_USER_INPUT, `The cursor in "${field}" ${why}. Use a cursor returned by this same list and ordering.`, {
      field,
    });
  if (typeof cursor !== 'string' || cursor.length > 1000 || !/^[A-Za-z0-9_-]*$/.test(cursor)) throw fail('is not valid');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw fail('is not valid');
  }
  if (!Array.isArray(parsed) || parsed[0] !== PREFIX) throw fail('is not valid');
  if (parsed[1] !== ordering) throw fail(`belongs to another ordering (${String(parsed[1]).slice(0, 40)}, not ${ordering})`);
  const values = parsed.slice(2);
  if (values.length !== arity || !values.every((v) => v === null || typeof v === 'string' || typeof v === 'number'))
    throw fail('is not valid');
  return values as CursorValue[];
}
