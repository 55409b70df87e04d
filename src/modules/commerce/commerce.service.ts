/**
 * Products, holdings and the purchase log. `recordPurchases` is the write path
 * the churn models depend on: one transaction per batch, customers locked in id
 * order (so concurrent batches cannot deadlock), holdings opened, automatic
 * stage moves applied, and one PURCHASE_RECORDED event per purchase.
 */
import type { DataSource, EntityManager } from 'typeorm';
import { In } from 'typeorm';
import { fromGlobalId, toGlobalId } from '../../shared/global-id';
import { StageChangeTrigger } from '../lifecycle/stages';
import { inTransaction } from '../../db/transaction';
import { badInput, conflict, customerErased, notFound } from '../../shared/errors';
import type { Clock } from '../../shared/clock';
import { isUniqueViolation } from '../../shared/pg-errors';
import { assertPlausibleDate } from '../../shared/validation';
import { Customer } from '../customers/customer.entity';
import { lockCustomers } from '../customers/customer.lock';
import { CustomerEventType, type NewCustomerEvent } from '../events/event-types';
import { recordEvents } from '../events/outbox';
import { applyAutomaticMoves } from '../lifecycle/lifecycle.service';
import { Holding, HoldingStatus } from './holding.entity';
import { Product } from './product.entity';
import { Purchase } from './purchase.entity';
import type { CloseHoldingInput, CreateProductInput, RecordPurchasesInput } from './commerce.inputs';

const MAX_PRICE_INTEGER_DIGITS = 10;
/** The largest list price a product can have. */
export const MAX_PRICE = '9999999999.99';

/** Listeners told, after commit, which customers got new purchases (e.g. to re-score them). */
export type PurchasesListener = (customerIds: string[]) => void;

export class CommerceService {
  private readonly purchaseListeners: PurchasesListener[] = [];

  constructor(
    private readonly ds: DataSource,
    private readonly clock: Clock,
  ) {}

  onPurchasesRecorded(listener: PurchasesListener): void {
    this.purchaseListeners.push(listener);
  }

  async createProduct(input: CreateProductInput, outer?: EntityManager): Promise<Product> {
    if (input.price.startsWith('-')) throw badInput('input.price', 'price must be zero or more.');
    // product.price is numeric(12,2): Money allows two more integer digits than the column holds.
    if (input.price.split('.')[0].length > MAX_PRICE_INTEGER_DIGITS) throw badInput('input.price', `price must be at most ${MAX_PRICE}.`);
    return inTransaction(
      this.ds,
      async (em) => {
        const repo = em.getRepository(Product);
        const taken = () => conflict('input.sku', `A product with SKU "${input.sku}" already exists.`);
        if (await repo.existsBy({ sku: input.sku })) throw taken();
        try {
          return await repo.save(
            repo.create({ sku: input.sku, name: input.name.trim(), category: input.category.trim(), price: input.price }),
          );
        } catch (err) {
          // A concurrent create of the same SKU can pass the check above and commit first.
          if (isUniqueViolation(err, 'sku')) throw taken();
          throw err;
        }
      },
      outer,
    );
  }

  async recordPurchases(input: RecordPurchasesInput): Promise<Purchase[]> {
    const now = this.clock.now();
    // Check every item before touching the database, naming the exact item.
    const items = input.purchases.map((p, i) => {
      const field = (name: string) => `input.purchases[${i}].${name}`;
      if (p.amount.startsWith('-')) throw badInput(field('amount'), 'amount must be zero or more.');
      assertPlausibleDate(p.occurredAt, field('occurredAt'), now);
      return {
        index: i,
        customerId: fromGlobalId(p.customerId, 'Customer', field('customerId')),
        productId: p.productId ? fromGlobalId(p.productId, 'Product', field('productId')) : null,
        occurredAt: p.occurredAt,
        quantity: p.quantity,
        amount: p.amount,
      };
    });

    const purchases = await inTransaction(this.ds, async (em) => {
      const customerIds = [...new Set(items.map((it) => it.customerId))].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
      const fieldOf = (id: string) => {
        const item = items.find((it) => it.customerId === id);
        return item && `input.purchases[${item.index}].customerId`;
      };
      const customers = await lockCustomers(em, customerIds, { fieldOf });
      const byId = new Map(customers.map((c) => [c.id, c]));
      const missingCustomer = items.find((it) => !byId.has(it.customerId));
      if (missingCustomer)
        throw notFound(
          'customer',
          input.purchases[missingCustomer.index].customerId,
          `input.purchases[${missingCustomer.index}].customerId`,
        );

      const productIds = [...new Set(items.flatMap((it) => (it.productId ? [it.productId] : [])))];
      if (productIds.length) {
        const found = new Set(
          (await em.getRepository(Product).find({ where: { id: In(productIds) }, select: { id: true } })).map((p) => p.id),
        );
        const missingProduct = items.find((it) => it.productId && !found.has(it.productId));
        if (missingProduct)
          throw notFound('product', input.purchases[missingProduct.index].productId!, `input.purchases[${missingProduct.index}].productId`);
      }

      const hadPurchases = new Set(
        (
          await em.query<{ customer_id: string }[]>(
            `SELECT DISTINCT customer_id::text FROM purchase WHERE customer_id = ANY($1::bigint[])`,
            [customerIds],
          )
        ).map((r) => r.customer_id),
      );

      const inserted = await em
        .createQueryBuilder()
        .insert()
        .into(Purchase)
        .values(
          items.map((it) => ({
            customerId: it.customerId,
            productId: it.productId,
            occurredAt: it.occurredAt,
            quantity: it.quantity,
            amount: it.amount,
          })),
        )
        .returning('*')
        .execute();
      const rows = em.getRepository(Purchase).create(
        (inserted.raw as Record<string, unknown>[]).map((r) => ({
          id: String(r.id),
          customerId: String(r.customer_id),
          productId: r.product_id == null ? null : String(r.product_id),
          occurredAt: r.occurred_at as Date,
          quantity: r.quantity as number,
          amount: r.amount as string,
          recordedAt: r.recorded_at as Date,
        })),
      );

      await this.openHoldings(em, items);
      await em.query(
        `UPDATE customer c SET last_purchase_at = GREATEST(c.last_purchase_at, m.latest), updated_at = now()
         FROM (SELECT customer_id, max(occurred_at) AS latest FROM purchase WHERE customer_id = ANY($1::bigint[]) GROUP BY customer_id) m
         WHERE c.id = m.customer_id`,
        [customerIds],
      );
      // A referred customer's first purchase converts the referral; a back-dated import can move it earlier.
      await em.query(
        `UPDATE referral r SET converted_at = m.first_purchase
         FROM (SELECT customer_id, min(occurred_at) AS first_purchase FROM purchase WHERE customer_id = ANY($1::bigint[]) GROUP BY customer_id) m
         WHERE r.referred_id = m.customer_id AND (r.converted_at IS NULL OR r.converted_at > m.first_purchase)`,
        [customerIds],
      );

      const events: NewCustomerEvent[] = rows.map((p) => ({
        type: CustomerEventType.PURCHASE_RECORDED,
        customerId: p.customerId,
        occurredAt: p.occurredAt,
        payload: {
          purchaseId: p.id,
          productId: p.productId,
          quantity: p.quantity,
          amount: p.amount,
          occurredAt: p.occurredAt.toISOString(),
        },
      }));
      await recordEvents(em, events);

      const firstPurchase = { trigger: StageChangeTrigger.FIRST_PURCHASE, reason: 'First purchase recorded.' } as const;
      const afterLapse = { trigger: StageChangeTrigger.PURCHASE_AFTER_LAPSE, reason: 'Bought again after a lapse.' } as const;
      // At most one rule fits a customer (they start from different stages): one batch for all.
      await applyAutomaticMoves(
        em,
        customers.map((customer) => ({ customer, triggers: hadPurchases.has(customer.id) ? [afterLapse] : [firstPurchase, afterLapse] })),
        now,
      );
      return rows;
    });
    const touched = [...new Set(purchases.map((p) => p.customerId))];
    for (const listener of this.purchaseListeners) listener(touched);
    return purchases;
  }

  /** Opens (or re-opens) a holding for every (customer, product) bought. */
  private async openHoldings(
    em: EntityManager,
    items: { customerId: string; productId: string | null; occurredAt: Date }[],
  ): Promise<void> {
    const firstBuy = new Map<string, { customerId: string; productId: string; since: Date }>();
    for (const it of items) {
      if (!it.productId) continue;
      const key = `${it.customerId}:${it.productId}`;
      const prev = firstBuy.get(key);
      if (!prev || it.occurredAt < prev.since)
        firstBuy.set(key, { customerId: it.customerId, productId: it.productId, since: it.occurredAt });
    }
    if (firstBuy.size === 0) return;
    const list = [...firstBuy.values()];
    await em.query(
      `INSERT INTO holding (customer_id, product_id, since, status)
       SELECT * , 'ACTIVE' FROM unnest($1::bigint[], $2::bigint[], $3::timestamptz[])
       ON CONFLICT (customer_id, product_id) DO UPDATE
         SET status = 'ACTIVE', closed_at = NULL,
             since = CASE WHEN holding.status = 'CLOSED' THEN EXCLUDED.since ELSE LEAST(holding.since, EXCLUDED.since) END`,
      [list.map((h) => h.customerId), list.map((h) => h.productId), list.map((h) => h.since)],
    );
  }

  async closeHolding(input: CloseHoldingInput, outer?: EntityManager): Promise<Holding> {
    const id = fromGlobalId(input.holdingId, 'Holding', 'input.holdingId');
    const now = this.clock.now();
    const closedAt = input.closedAt ?? now;
    if (closedAt.getTime() > now.getTime() + 60_000) throw badInput('input.closedAt', 'closedAt cannot be in the future.');
    return inTransaction(
      this.ds,
      async (em) => {
        // Locks the holding only (FOR UPDATE OF h) and reads, in the same statement, whether its customer was erased.
        const { entities, raw } = await em
          .getRepository(Holding)
          .createQueryBuilder('h')
          .innerJoin(Customer, 'c', 'c.id = h.customer_id')
          .addSelect('c.erased_at', 'customer_erased_at')
          .setLock('pessimistic_write', undefined, ['h'])
          .where('h.id = :id', { id })
          .getRawAndEntities<{ customer_erased_at: Date | null }>();
        const holding = entities[0];
        if (!holding) throw notFound('holding', input.holdingId, 'input.holdingId');
        if (raw[0].customer_erased_at) throw customerErased(toGlobalId('Customer', holding.customerId), 'input.holdingId');
        if (holding.status === HoldingStatus.CLOSED) throw conflict('input.holdingId', 'This holding is already closed.');
        if (closedAt < holding.since) throw badInput('input.closedAt', 'closedAt cannot be before the holding started.');
        holding.status = HoldingStatus.CLOSED;
        holding.closedAt = closedAt;
        await em.getRepository(Holding).save(holding);
        return holding;
      },
      outer,
    );
  }

  /** Total spend and purchase count per (customer, product), for holdings. */
  static async spendByHolding(em: EntityManager, keys: readonly { customerId: string; productId: string }[]) {
    const rows: { customer_id: string; product_id: string; total: string; n: string }[] = await em.query(
      `SELECT p.customer_id::text, p.product_id::text, sum(p.amount)::text AS total, count(*)::text AS n
       FROM purchase p JOIN unnest($1::bigint[], $2::bigint[]) AS k(customer_id, product_id)
         ON p.customer_id = k.customer_id AND p.product_id = k.product_id
       GROUP BY 1, 2`,
      [keys.map((k) => k.customerId), keys.map((k) => k.productId)],
    );
    const byKey = new Map(rows.map((r) => [`${r.customer_id}:${r.product_id}`, { total: r.total, count: Number(r.n) }]));
    return keys.map((k) => byKey.get(`${k.customerId}:${k.productId}`) ?? { total: '0.00', count: 0 });
  }
}
