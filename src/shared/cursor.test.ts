import { decodeCursor, encodeCursor } from './cursor';

describe('cursors', () => {
  it('round-trips ordering and values', () => {
    const c = encodeCursor('NAME_ASC', ['Ada', '17']);
    expect(decodeCursor(c, 'NAME_ASC', 2, 'after')).toEqual(['Ada', '17']);
  });

  it('keeps nulls and numbers', () => {
    const c = encodeCursor('LAST_PURCHASE_DESC', [null, 3]);
    expect(decodeCursor(c, 'LAST_PURCHASE_DESC', 2, 'after')).toEqual([null, 3]);
  });

  it('refuses a cursor from another ordering', () => {
    const c = encodeCursor('NAME_ASC', ['Ada', '17']);
    expect(() => decodeCursor(c, 'CREATED_AT_DESC', 2, 'after')).toThrow(/another ordering/);
  });

  it.each(['', '!!!', Buffer.from('{"a":1}').toString('base64url'), Buffer.from('["c1","X",{}]').toString('base64url'), 'a'.repeat(2000)])(
    'refuses garbage %p',
    (bad) => expect(() => decodeCursor(bad, 'X', 1, 'before')).toThrow(/cursor in "before"/),
  );

  it('refuses a cursor with the wrong number of values', () => {
    expect(() => decodeCursor(encodeCursor('X', ['1']), 'X', 2, 'after')).toThrow(/not valid/);
  });
});
