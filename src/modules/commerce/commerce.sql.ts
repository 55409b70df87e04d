/** How products, holdings and purchases are stored, for the read compiler (see db/sql-map.ts). */
import type { Ordering } from '../../db/keyset';
import { col, idText, ref, type ChildFilterSql, type SqlObjectMap } from '../../db/sql-map';
import type { ModuleSql } from '../module';
import { ProductFilter } from './commerce.inputs';

export const productSql: SqlObjectMap = {
  type: 'Product',
  table: 'product',
  customers: [],
  fields: {
    sku: col('sku'),
    name: col('name'),
    category: col('category'),
    price: col('price', 'money'),
    createdAt: col('created_at', 'datetime'),
  },
  row: { id: idText() },
};

/** Purchases of the holding's product by its customer (what CommerceService.spendByHolding sums). */
const ofHolding = (r: string) => `FROM purchase sp WHERE sp.customer_id = ${r}.customer_id AND sp.product_id = ${r}.product_id`;

export const holdingSql: SqlObjectMap = {
  type: 'Holding',
  table: 'holding',
  customers: ['customer_id'],
  fields: {
    customer: ref('Customer', 'customer_id'),
    product: ref('Product', 'product_id'),
    since: col('since', 'datetime'),
    status: col('status'),
    closedAt: col('closed_at', 'datetime'),
    totalSpend: { kind: 'column', sql: (r) => `(SELECT coalesce(sum(sp.amount), 0) ${ofHolding(r)})`, format: 'money' },
    purchaseCount: { kind: 'column', sql: (r) => `(SELECT count(*)::int ${ofHolding(r)})`, format: 'plain' },
  },
  row: { id: idText(), customerId: idText('customer_id'), productId: idText('product_id') },
};

export const purchaseSql: SqlObjectMap = {
  type: 'Purchase',
  table: 'purchase',
  customers: ['customer_id'],
  fields: {
    customer: ref('Customer', 'customer_id'),
    product: ref('Product', 'product_id'),
    occurredAt: col('occurred_at', 'datetime'),
    quantity: col('quantity'),
    amount: col('amount', 'money'),
    recordedAt: col('recorded_at', 'datetime'),
  },
  row: { id: idText(), customerId: idText('customer_id'), productId: idText('product_id') },
};

/** `Query.products(filter:)`: the same condition as CommerceResolver.products. */
export const productListFilter: ChildFilterSql = (filter, r, param) =>
  filter?.category ? [`${r}.category = ${param(filter.category, 'text')}`] : [];

/** `Query.products`: by SKU, then id. */
export const BY_SKU: Ordering = { name: 'PRODUCT_SKU', keys: ['x.sku', 'x.id'], types: ['text', 'bigint'], direction: 'ASC' };

export const COMMERCE_SQL: ModuleSql = {
  objects: [productSql, holdingSql, purchaseSql],
  roots: { products: { target: 'Product', ordering: () => BY_SKU, filter: productListFilter, filterClass: ProductFilter } },
};
