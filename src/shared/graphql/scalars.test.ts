import { Kind } from 'graphql';
import { Money, parseMoney } from './scalars';

describe('Money', () => {
  it.each([
    ['12', '12.00'],
    ['12.5', '12.50'],
    [12.5, '12.50'],
    ['0007.10', '7.10'],
    ['-0', '0.00'],
    ['-3.25', '-3.25'],
    ['999999999999.99', '999999999999.99'],
    [' 7.5 ', '7.50'],
    [0, '0.00'],
    [-12, '-12.00'],
    ['-0.00', '0.00'],
  ])('normalises %p to %p', (input, expected) => expect(parseMoney(input)).toBe(expected));

  it.each([
    '1.234',
    'abc',
    '',
    '1e3',
    Infinity,
    NaN,
    null,
    {},
    '1234567890123.00',
    0.1 + 0.2,
    '+5',
    '.5',
    '5.',
    '1,000.00',
    '1 000',
    '0x10',
    '١٢',
    1e21,
    -0.001,
    true,
    [],
  ])('rejects %p', (bad) => {
    expect(parseMoney(bad)).toBeNull();
  });

  it('refuses bad literals and values with BAD_USER_INPUT, and never serialises garbage', () => {
    expect(() => Money.parseLiteral({ kind: Kind.BOOLEAN, value: true }, {})).toThrow(
      expect.objectContaining({ extensions: { code: 'BAD_USER_INPUT' } }),
    );
    expect(() => Money.parseLiteral({ kind: Kind.STRING, value: '1.999' }, {})).toThrow(/at most 2 decimal places/);
    expect(Money.parseLiteral({ kind: Kind.INT, value: '12' }, {})).toBe('12.00');
    expect(() => Money.parseValue('abc')).toThrow(/Money must be/);
    expect(() => Money.serialize('NaN')).toThrow();
    expect(Money.serialize('19.9')).toBe('19.90');
  });
});
