/**
 * The partner scope on the read path. A PARTNER key sees a customer only
 * while the customer shares with the key's partner (a row in
 * `partner_sharing`), and sees a row that belongs to customers (a purchase, a
 * referral) only while every one of them does. Both read paths use the same
 * condition: the read compiler writes `partnerSharedSql` into its statement
 * with the partner as a parameter; resolvers ask a request's `PartnerScope`.
 * Nothing is cached beyond one request (and nothing at all for a
 * subscription's long-lived context), so a withdrawal takes effect on the
 * next read.
 */
import DataLoader from 'dataloader';
import type { EntityManager } from 'typeorm';
import type { ChildFilter } from '../../db/keyset';
import { partnerScopeOf, type Viewer } from '../auth/viewer';

/** SQL: the customer whose id is `customerIdSql` shares with the partner in parameter `partnerParam`. */
export const partnerSharedSql = (partnerParam: string, customerIdSql: string) =>
  `EXISTS (SELECT 1 FROM partner_sharing ps WHERE ps.partner = ${partnerParam} AND ps.customer_id = ${customerIdSql})`;

/**
 * Whose data a node is, for `node(id:)` and `nodes(ids:)` on the resolver
 * path: the customers it belongs to (a partner sees it only when every one of
 * them shares with it; none means it is nobody's, like a product), or a
 * partner it is addressed to (a sharing event), or `hidden` for things no
 * partner may read (company-wide figures).
 */
export type NodeOwners = { customers: readonly string[] } | { partner: string } | { hidden: true };

/** The partner scope of one request (or one subscription). */
export class PartnerScope {
  private readonly shared: DataLoader<string, boolean>;

  constructor(
    em: EntityManager,
    readonly partner: string,
    cache: boolean,
  ) {
    this.shared = new DataLoader<string, boolean>(
      async (ids) => {
        const rows: { id: string }[] = await em.query(
          `SELECT customer_id::text AS id FROM partner_sharing WHERE partner = $1 AND customer_id = ANY($2::bigint[])`,
          [partner, ids],
        );
        const found = new Set(rows.map((r) => r.id));
        return ids.map((id) => found.has(id));
      },
      { cache },
    );
  }

  /** True when every one of these customers shares with the partner (none: true). */
  async sees(customerIds: readonly string[]): Promise<boolean> {
    const shared = await this.shared.loadMany([...new Set(customerIds.map(String))]);
    return shared.every((s) => s === true);
  }

  /** True when the partner may see a node with these owners. */
  async seesNode(owners: NodeOwners | undefined): Promise<boolean> {
    if (!owners || 'hidden' in owners) return false;
    if ('partner' in owners) return owners.partner === this.partner;
    return this.sees(owners.customers);
  }

  /** A child-list filter (SQL over alias `x`) keeping rows whose `column` names a customer who shares with the partner. */
  childFilter(column: string): ChildFilter {
    return { sql: partnerSharedSql('$1::text', `x.${column}`), params: [this.partner] };
  }
}

/** The scope of a viewer: null when it sees every customer (every role but PARTNER). */
export function partnerScopeFor(em: EntityManager, viewer: Viewer, cache: boolean): PartnerScope | null {
  const partner = partnerScopeOf(viewer);
  return partner === null ? null : new PartnerScope(em, partner, cache);
}
