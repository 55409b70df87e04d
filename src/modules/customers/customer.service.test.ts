import { customerOrdering } from './customer.sql';
import { CustomerOrder } from './customer.inputs';

describe('customer orderings', () => {
  it.each(Object.values(CustomerOrder))('%s ends with the primary key and types every key', (order) => {
    const o = customerOrdering(order);
    expect(o.name).toBe(order);
    expect(o.keys.at(-1)).toBe('x.id');
    expect(o.types).toHaveLength(o.keys.length);
    expect(o.types.at(-1)).toBe('bigint');
    expect(o.direction).toBe(order.endsWith('_DESC') ? 'DESC' : 'ASC');
  });
  it('never sorts on a nullable expression (keyset comparison would drop rows)', () => {
    expect(customerOrdering(CustomerOrder.LAST_PURCHASE_AT_DESC).keys[0]).toMatch(/^COALESCE\(x\.last_purchase_at, '-infinity'/);
  });
});
