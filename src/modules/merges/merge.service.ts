/**
 * Merge and unmerge of customer profiles (docs/merge.md). A merge folds profiles of one person
 * into a survivor in one transaction: every customer involved is locked first, the journal
 * records what moves, and a fixed handful of set-based statements move the rows. The merged
 * profiles stay as tombstones whose IDs answer the survivor. An unmerge replays the journal
 * backwards.
 */
import type { DataSource, EntityManager } from 'typeorm';
import { inTransaction } from '../../db/transaction';
import type { Clock } from '../../shared/clock';
import { badInput, DomainError, ErrorCode, notFound } from '../../shared/errors';
import { fromGlobalId, toGlobalId } from '../../shared/global-id';
import { Customer } from '../customers/customer.entity';
import { lockCustomers } from '../customers/customer.lock';
import { CustomerEventType } from '../events/event-types';
import { recordEvents } from '../events/outbox';
import { CustomerMerge } from './merge.entity';
import type { MergeCustomersInput, MergeKeepInput } from './merge.inputs';
import {
  JOURNAL_CUSTOMERS,
  MERGE_CHILDREN,
  MERGE_DROP_REFERRALS,
  MERGE_HOLDINGS,
  MERGE_MOVE_REFERRALS,
  MERGE_SURVIVOR,
  MERGE_TOMBSTONES,
  restoreDropped,
  UNMERGE_CHANGED_HOLDINGS,
  UNMERGE_CHILDREN,
  UNMERGE_CLOSE,
  UNMERGE_MOVE_REFERRALS,
  UNMERGE_SURVIVOR,
  UNMERGE_TOMBSTONES,
} from './merge.sql-statements';
import { survivorValues, type KeepChoice } from './survivorship';

const KEEP_FIELDS = ['name', 'email', 'phone', 'externalId', 'persona'] as const satisfies readonly (keyof MergeKeepInput)[];

/** Re-scores customers after a merge or unmerge commits (the analytics module's rescore). */
export type Rescore = (customerIds: readonly string[]) => Promise<unknown>;

export interface MergeResult {
  merge: CustomerMerge;
  survivor: Customer;
}

export interface UnmergeResult {
  merge: CustomerMerge;
  customers: Customer[];
}

const mergedError = (c: Customer, field: string) =>
  new DomainError(
    ErrorCode.CUSTOMER_MERGED,
    `Customer ${toGlobalId('Customer', c.id)} was merged into ${toGlobalId('Customer', c.mergedInto!)}; merge or unmerge that customer instead.`,
    { field, survivorId: toGlobalId('Customer', c.mergedInto!), mergeId: toGlobalId('CustomerMerge', c.mergeId!) },
  );

export class MergeService {
  private rescore: Rescore = async () => undefined;

  constructor(
    private readonly ds: DataSource,
    private readonly clock: Clock,
  ) {}

  /** Hooks up re-scoring (modules/merges/index.ts `connect`). */
  onRescore(rescore: Rescore): void {
    this.rescore = rescore;
  }

  /** Checks the input before any statement: ids, repeats, the survivor among the merged, keep choices. */
  private parse(input: MergeCustomersInput) {
    const survivorId = fromGlobalId(input.survivorId, 'Customer', 'input.survivorId');
    const mergedIds = input.mergedIds.map((g, i) => fromGlobalId(g, 'Customer', `input.mergedIds[${i}]`));
    const seen = new Set<string>();
    mergedIds.forEach((id, i) => {
      if (id === survivorId) throw badInput(`input.mergedIds[${i}]`, 'The survivor cannot also be merged into itself.');
      if (seen.has(id)) throw badInput(`input.mergedIds[${i}]`, 'Each customer may be named once in mergedIds.');
      seen.add(id);
    });
    const all = [survivorId, ...mergedIds];
    const keep: KeepChoice = {};
    for (const field of KEEP_FIELDS) {
      const chosen = input.keep?.[field];
      if (chosen == null) continue;
      const id = fromGlobalId(chosen, 'Customer', `input.keep.${field}`);
      if (!all.includes(id)) throw badInput(`input.keep.${field}`, 'keep must name the survivor or one of the merged profiles.');
      keep[field] = id;
    }
    return { survivorId, mergedIds, all, keep };
  }

  async merge(input: MergeCustomersInput, actor: string | null, outer?: EntityManager): Promise<MergeResult> {
    const { survivorId, mergedIds, all, keep } = this.parse(input);
    const result = await inTransaction(
      this.ds,
      async (em) => {
        const locked = await lockCustomers(em, all, { includeMerged: true });
        const byId = new Map(locked.map((c) => [c.id, c]));
        const field = (id: string) => (id === survivorId ? 'input.survivorId' : `input.mergedIds[${mergedIds.indexOf(id)}]`);
        for (const id of all) {
          const c = byId.get(id);
          if (!c) throw notFound('customer', toGlobalId('Customer', id), field(id));
          if (c.mergedInto) throw mergedError(c, field(id));
        }
        const survivor = byId.get(survivorId)!;
        const merged = mergedIds.map((id) => byId.get(id)!);
        const now = this.clock.now();
        const values = survivorValues(survivor, merged, keep);

        const [{ id: mergeId }]: { id: string }[] = await em.query(
          `INSERT INTO customer_merge (survivor_id, merged_ids, keep, merged_at, merged_by) VALUES ($1, $2::bigint[], $3::jsonb, $4, $5) RETURNING id::text AS id`,
          [survivorId, mergedIds, JSON.stringify(values.keptFrom), now, actor],
        );
        await em.query(JOURNAL_CUSTOMERS, [mergeId, all, mergedIds]);
        await em.query(MERGE_HOLDINGS, [mergeId, all, survivorId]);
        await em.query(MERGE_CHILDREN, [mergeId, mergedIds, survivorId]);
        await em.query(MERGE_DROP_REFERRALS, [mergeId, all, mergedIds, survivorId]);
        await em.query(MERGE_MOVE_REFERRALS, [mergeId, all, mergedIds, survivorId]);
        await em.query(MERGE_TOMBSTONES, [mergeId, mergedIds, survivorId, now, values.externalId]);
        await em.query(MERGE_SURVIVOR, [
          survivorId,
          values.name,
          values.email,
          values.phone,
          values.externalId,
          values.personaId,
          values.stage,
          values.stageEnteredAt,
          values.lastPurchaseAt,
          now,
        ]);
        await recordEvents(em, [
          {
            type: CustomerEventType.CUSTOMER_MERGED,
            customerId: survivorId,
            occurredAt: now,
            payload: {
              mergeId: toGlobalId('CustomerMerge', mergeId),
              survivorId: toGlobalId('Customer', survivorId),
              mergedIds: mergedIds.map((id) => toGlobalId('Customer', id)),
            },
          },
        ]);
        const merge = em.getRepository(CustomerMerge).create({
          id: mergeId,
          survivorId,
          mergedIdList: mergedIds,
          keep: values.keptFrom,
          mergedAt: now,
          mergedBy: actor,
          unmergedAt: null,
          unmergedBy: null,
        });
        const after = em.getRepository(Customer).create({
          ...survivor,
          name: values.name,
          email: values.email,
          phone: values.phone,
          externalId: values.externalId,
          personaId: values.personaId,
          stage: values.stage,
          stageEnteredAt: values.stageEnteredAt,
          lastPurchaseAt: values.lastPurchaseAt,
          updatedAt: now,
        });
        return { merge, survivor: after };
      },
      outer,
    );
    // Scores follow the survivor's combined history; in the caller's transaction the caller re-scores.
    if (!outer) await this.rescore([survivorId]);
    return result;
  }

  async unmerge(mergeGlobalId: string, actor: string | null, outer?: EntityManager): Promise<UnmergeResult> {
    const mergeId = fromGlobalId(mergeGlobalId, 'CustomerMerge', 'mergeId');
    const result = await inTransaction(
      this.ds,
      async (em) => {
        const merge = await em
          .getRepository(CustomerMerge)
          .createQueryBuilder('m')
          .setLock('pessimistic_write')
          .where('m.id = :id', { id: mergeId })
          .getOne();
        if (!merge) throw notFound('merge', mergeGlobalId, 'mergeId');
        if (merge.unmergedAt) {
          throw new DomainError(
            ErrorCode.ALREADY_UNMERGED,
            `Merge ${mergeGlobalId} was already undone at ${merge.unmergedAt.toISOString()}.`,
            {
              field: 'mergeId',
            },
          );
        }
        const all = [merge.survivorId, ...merge.mergedIdList];
        const locked = await lockCustomers(em, all, { includeMerged: true });
        const survivor = locked.find((c) => c.id === merge.survivorId);
        if (!survivor) throw notFound('customer', toGlobalId('Customer', merge.survivorId), 'mergeId');
        if (survivor.mergedInto) throw mergedError(survivor, 'mergeId');
        const now = this.clock.now();
        await em.query(UNMERGE_MOVE_REFERRALS, [mergeId]);
        await em.query(restoreDropped('referral'), [mergeId]);
        await em.query(UNMERGE_CHILDREN, [mergeId]);
        await em.query(UNMERGE_CHANGED_HOLDINGS, [mergeId]);
        await em.query(restoreDropped('holding'), [mergeId]);
        await em.query(UNMERGE_SURVIVOR, [mergeId, merge.survivorId, merge.mergedAt, now]);
        await em.query(UNMERGE_TOMBSTONES, [mergeId, merge.survivorId]);
        await em.query(UNMERGE_CLOSE, [mergeId, now, actor]);
        await recordEvents(em, [
          {
            type: CustomerEventType.CUSTOMER_UNMERGED,
            customerId: merge.survivorId,
            occurredAt: now,
            payload: {
              mergeId: mergeGlobalId,
              survivorId: toGlobalId('Customer', merge.survivorId),
              mergedIds: merge.mergedIdList.map((id) => toGlobalId('Customer', id)),
            },
          },
        ]);
        const customers = await em.getRepository(Customer).createQueryBuilder('c').where('c.id IN (:...ids)', { ids: all }).getMany();
        const order = new Map(all.map((id, i) => [id, i]));
        customers.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
        return { merge: Object.assign(merge, { unmergedAt: now, unmergedBy: actor }), customers };
      },
      outer,
    );
    if (!outer) await this.rescore(result.customers.map((c) => c.id));
    return result;
  }
}
