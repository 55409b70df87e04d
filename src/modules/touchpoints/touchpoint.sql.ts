/** How touchpoints are stored, for the read compiler (see db/sql-map.ts). */
import { col, idText, ref, type ChildFilterSql, type SqlObjectMap } from '../../db/sql-map';
import type { ModuleSql } from '../module';

export const touchpointSql: SqlObjectMap = {
  type: 'Touchpoint',
  table: 'touchpoint',
  customers: ['customer_id'],
  fields: {
    customer: ref('Customer', 'customer_id'),
    channel: col('channel'),
    direction: col('direction'),
    purpose: col('purpose'),
    occurredAt: col('occurred_at', 'datetime'),
    campaign: col('campaign'),
    product: ref('Product', 'product_id'),
    response: col('response'),
    note: col('note'),
    recordedAt: col('recorded_at', 'datetime'),
  },
  row: { id: idText(), customerId: idText('customer_id'), productId: idText('product_id') },
};

/** `Customer.touchpoints(filter:)`: the same conditions as touchpointFilterSql. */
export const touchpointFilter: ChildFilterSql = (filter, r, param) => {
  const out: string[] = [];
  if (filter?.channelIn) out.push(`${r}.channel = ANY(${param(filter.channelIn, 'text[]')})`);
  if (filter?.responseIn) out.push(`${r}.response = ANY(${param(filter.responseIn, 'text[]')})`);
  return out;
};

export const TOUCHPOINTS_SQL: ModuleSql = { objects: [touchpointSql] };
