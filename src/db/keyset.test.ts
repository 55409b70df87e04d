import { isCursorValueOfType } from './keyset';

describe('cursor values are checked against their sort-key type', () => {
  it.each([
    ['2024-06-01 00:00:00.123456+00', 'timestamptz'],
    ['2024-06-01 12:30:00+05:30', 'timestamptz'],
    ['2024-06-01T12:30:00Z', 'timestamptz'],
    ['2024-02-29 00:00:00+00', 'timestamptz'],
    ['-infinity', 'timestamptz'],
    ['infinity', 'timestamptz'],
    ['1', 'bigint'],
    [42, 'bigint'],
    ['9223372036854775807', 'bigint'],
    ['-9223372036854775808', 'bigint'],
    ['12.50', 'numeric'],
    ['Ada', 'text'],
    ['', 'text'],
  ] as const)('accepts %p as %s', (value, type) => {
    expect(isCursorValueOfType(value, type)).toBe(true);
  });

  it.each([
    [null, 'text', 'sort keys are never NULL'],
    [null, 'timestamptz', 'sort keys are never NULL'],
    ['yesterday', 'timestamptz', 'a word PostgreSQL would accept'],
    ['now', 'timestamptz', 'a word PostgreSQL would accept'],
    ['2024-13-01 00:00:00+00', 'timestamptz', 'month 13'],
    ['2023-02-29 00:00:00+00', 'timestamptz', 'not a leap year'],
    ['2024-06-01', 'timestamptz', 'a date without a time'],
    ['2024-06-01 25:00:00+00', 'timestamptz', 'hour 25'],
    [1717200000000, 'timestamptz', 'a number'],
    ['x1', 'bigint', 'not a number'],
    ['1.5', 'bigint', 'a fraction'],
    ['9223372036854775808', 'bigint', 'beyond int8'],
    ['99999999999999999999', 'bigint', 'beyond int8'],
    ['1e3', 'numeric', 'exponent form'],
    [7, 'text', 'a number for text'],
  ] as const)('refuses %p as %s (%s)', (value, type, _why) => {
    expect(isCursorValueOfType(value, type)).toBe(false);
  });
});
