/**
 * Event cursors: opaque strings that stand for a position in the feed (the
 * commit-ordered `seq`). The same cursor works for `after` on the
 * subscriptions and on `Query.customerEvents`.
 */
import { decodeCursor, encodeCursor } from '../../shared/cursor';
import { badInput } from '../../shared/errors';

const ORDERING = 'EVENT_SEQ';

export function encodeEventCursor(seq: number): string {
  return encodeCursor(ORDERING, [String(seq)]);
}

/** The position a cursor stands for; BAD_USER_INPUT naming `field` when it is not an event cursor. */
export function decodeEventCursor(cursor: string, field: string): number {
  const [raw] = decodeCursor(cursor, ORDERING, 1, field);
  const seq = Number(raw);
  if (typeof raw !== 'string' || !/^\d{1,15}$/.test(raw) || !Number.isSafeInteger(seq)) {
    throw badInput(field, `The cursor in "${field}" is not valid. Use a \`cursor\` from an event of this API.`);
  }
  return seq;
}
