import { fromGlobalId, parseGlobalId, toGlobalId } from './global-id';

describe('global IDs', () => {
  it('round-trips type and local id', () => {
    const g = toGlobalId('Customer', '42');
    expect(g).not.toContain('Customer');
    expect(parseGlobalId(g)).toEqual({ type: 'Customer', id: '42' });
    expect(fromGlobalId(g, 'Customer', 'id')).toBe('42');
  });

  it.each(['', 'not base64!', toGlobalId('Customer', 'abc'), toGlobalId('Customer', '0'), 'x'.repeat(500), toGlobalId('Customer', '99999999999999999999')])(
    'rejects %p',
    (bad) => {
      expect(() => fromGlobalId(bad, 'Customer', 'input.customerId')).toThrow(/not a valid Customer ID/);
    },
  );

  it('rejects an ID of another type and names the field', () => {
    try {
      fromGlobalId(toGlobalId('Product', '1'), 'Customer', 'input.customerId');
      throw new Error('expected a failure');
    } catch (err) {
      expect((err as { extensions: unknown }).extensions).toEqual({ field: 'input.customerId' });
    }
  });
});
