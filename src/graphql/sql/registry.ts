/**
 * What the read compiler knows: the object types stored in tables (each
 * module's `<area>.sql.ts`) and the root lists (`customers`, `personas`,
 * `products`) with their orderings and filters.
 */
import type { Ordering } from '../../db/keyset';
import type { ChildFilterSql, SqlObjectMap } from '../../db/sql-map';
import { ANALYTICS_SQL_OBJECTS, customerInsightFields, reactivationListFilter } from '../../modules/analytics/analytics.sql';
import { ReactivationFilter } from '../../modules/analytics/analytics.inputs';
import { REACTIVATION_ORDER } from '../../modules/analytics/insights.service';
import { BY_SKU, holdingSql, productListFilter, productSql, purchaseSql } from '../../modules/commerce/commerce.sql';
import { ProductFilter } from '../../modules/commerce/commerce.inputs';
import { CustomerFilter, CustomerOrder } from '../../modules/customers/customer.inputs';
import { customerOrdering } from '../../modules/customers/customer.service';
import { customerListFilter, customerSql } from '../../modules/customers/customer.sql';
import { stageChangeSql } from '../../modules/lifecycle/stage-change.sql';
import { BY_NAME, personaSql } from '../../modules/personas/persona.sql';
import { referralSql } from '../../modules/referrals/referral.sql';
import { touchpointSql } from '../../modules/touchpoints/touchpoint.sql';

// The customer's stored insight (analytics) joins the fields of the customers module.
const customerWithInsight: SqlObjectMap = { ...customerSql, fields: { ...customerSql.fields, ...customerInsightFields } };

export const SQL_OBJECTS: ReadonlyMap<string, SqlObjectMap> = new Map(
  [customerWithInsight, personaSql, productSql, holdingSql, purchaseSql, touchpointSql, referralSql, stageChangeSql, ...ANALYTICS_SQL_OBJECTS].map((m) => [m.type, m]),
);

/** A root connection over one table. */
export interface RootList {
  target: string;
  /** The ordering for the field's arguments (e.g. `orderBy`). */
  ordering(args: Record<string, unknown>): Ordering;
  filter?: ChildFilterSql;
  /** The input class of the `filter` argument, validated as its resolver would (class-validator). */
  filterClass?: new () => object;
}

export const ROOT_LISTS: ReadonlyMap<string, RootList> = new Map<string, RootList>([
  [
    'customers',
    {
      target: 'Customer',
      ordering: (args) => customerOrdering((args.orderBy as CustomerOrder | undefined) ?? CustomerOrder.CREATED_AT_DESC),
      filter: customerListFilter,
      filterClass: CustomerFilter,
    },
  ],
  ['personas', { target: 'Persona', ordering: () => BY_NAME }],
  ['products', { target: 'Product', ordering: () => BY_SKU, filter: productListFilter, filterClass: ProductFilter }],
  ['reactivationCandidates', { target: 'ReactivationCandidate', ordering: () => REACTIVATION_ORDER, filter: reactivationListFilter, filterClass: ReactivationFilter }],
]);
