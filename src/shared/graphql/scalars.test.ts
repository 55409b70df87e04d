import { parseMoney } from './scalars';

describe('Money', () => {
  it.each([
    ['12', '12.00'],
    ['12.5', '12.50'],
    [12.5, '12.50'],
    ['0007.10', '7.10'],
    ['-0', '0.00'],
    ['-3.25', '-3.25'],
  ])('normalises %p to %p', (input, expected) => expect(parseMoney(input)).toBe(expected));

  it.each(['1.234', 'abc', '', '1e3', Infinity, NaN, null, {}, '1234567890123.00', 0.1 + 0.2])('rejects %p', (bad) => {
    expect(parseMoney(bad)).toBeNull();
  });
});
