import { groupByKeys, orderByKeys } from './loader-utils';

describe('loader utils', () => {
  const rows = [
    { id: '3', p: 'a' },
    { id: '1', p: 'b' },
    { id: '3', p: 'c' },
  ];
  it('orders rows by key and fills gaps with null', () => {
    expect(orderByKeys(['1', '2', '3'], rows.slice(0, 2), (r) => r.id)).toEqual([rows[1], null, rows[0]]);
  });
  it('groups rows by key, keeping key order and empty groups', () => {
    expect(groupByKeys(['3', '2', '1'], rows, (r) => r.id)).toEqual([[rows[0], rows[2]], [], [rows[1]]]);
  });
});
