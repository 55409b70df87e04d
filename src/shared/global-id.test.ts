import { fromGlobalId, parseGlobalId, toGlobalId } from './global-id';

describe('global IDs', () => {
  it('round-trips type and local id', () => {
    const g = toGlobalId('Customer', '42');
    expect(g).not.toContain('Customer');
    expect(parseGlobalId(g)).toEqual({ type: 'Customer', id: '42' });
    expect(fromGlobalId(g, 'Customer', 'id')).toBe('42');
  });

  it.each([
    '',
    'not base64!',
    toGlobalId('Customer', 'abc'),
    toGlobalId('Customer', '0'),
    'x'.repeat(500),
    toGlobalId('Customer', '99999999999999999999'),
  ])('rejects %p', (bad) => {
    expect(() => fromGlobalId(bad, 'Customer', 'input.customerId')).toThrow(/not a valid Customer ID/);
  });

  it('rejects an ID of another type and names the field', () => {
    try {
      fromGlobalId(toGlobalId('Product', '1'), 'Customer', 'input.customerId');
      throw new Error('expected a failure');
    } catch (err) {
      expect((err as { extensions: unknown }).extensions).toEqual({ field: 'input.customerId' });
    }
  });

  it.each([
    ['Customer:007', 'leading zeros'],
    ['Customer:-1', 'negative'],
    ['Customer:1:2', 'extra part'],
    ['customer 1', 'no colon'],
    [':1', 'no type'],
  ])('does not parse %p (%s)', (raw) => {
    expect(parseGlobalId(Buffer.from(raw).toString('base64url'))).toBeNull();
  });

  it('accepts the largest bigint and refuses one more', () => {
    expect(fromGlobalId(toGlobalId('Customer', '9223372036854775807'), 'Customer', 'id')).toBe('9223372036854775807');
    expect(() => fromGlobalId(toGlobalId('Customer', '9223372036854775808'), 'Customer', 'id')).toThrow(/not a valid Customer ID/);
  });

  it('refuses padding and standard base64 characters', () => {
    expect(parseGlobalId(`${toGlobalId('Customer', '1')}=`)).toBeNull();
    expect(parseGlobalId('Q3VzdG9tZXI6MQ+/')).toBeNull();
  });
});
