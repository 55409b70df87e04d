/**
 * The stage machine: every stage change — manual or automatic — goes through
 * `moveStages`, which checks the table, updates the customers, writes the
 * history rows and the STAGE_CHANGED events in the caller's transaction, in
 * the same number of statements for one customer or a thousand.
 */
import type { DataSource, EntityManager } from 'typeorm';
import { fromGlobalId } from '../../shared/global-id';
import { restoreReferenceTriggers, skipReferenceTriggersSql, type ReferenceCheckedTables } from '../../db/references';
import { inTransaction } from '../../db/transaction';
import type { Clock } from '../../shared/clock';
import { allowedTransitions, AUTOMATIC_MOVES, automaticMove, canTransition, LifecycleStage, StageChangeTrigger } from './stages';
import { DomainError, ErrorCode } from '../../shared/errors';
import { Customer } from '../customers/customer.entity';
import { lockCustomer } from '../customers/customer.lock';
import { CustomerEventType } from '../events/event-types';
import { OUTBOX_NOTIFY_COLUMNS, outboxCtes, recordEvents } from '../events/outbox';
import { StageChange } from './stage-change.entity';

export interface StageMove {
  to: LifecycleStage;
  reason: string | null;
  trigger: StageChangeTrigger;
  at: Date;
}

/** Records the first stage of a new customer (history row with no `from`). */
export async function recordInitialStage(em: EntityManager, customer: Customer, reason: string | null): Promise<StageChange> {
  return em.getRepository(StageChange).save(
    em.getRepository(StageChange).create({
      customerId: customer.id,
      from: null,
      to: customer.stage,
      reason,
      trigger: StageChangeTrigger.MANUAL,
      occurredAt: customer.stageEnteredAt,
    }),
  );
}

/** INVALID_STAGE_TRANSITION, naming the allowed targets, when the table forbids `from` → `to`. */
function assertTransition(from: LifecycleStage, to: LifecycleStage): void {
  if (canTransition(from, to)) return;
  const allowed = allowedTransitions(from);
  throw new DomainError(
    ErrorCode.INVALID_STAGE_TRANSITION,
    `A customer in ${from} cannot move to ${to}. Allowed from ${from}: ${allowed.join(', ') || 'none'}.`,
    {
      field: 'input.to',
      from,
      to,
      allowed,
    },
  );
}

/**
 * Moves customers (rows locked by the caller's transaction), at most one move
 * each, in two statements whatever their number: one updates the customers
 * and writes their history rows, one records their STAGE_CHANGED events.
 * Throws INVALID_STAGE_TRANSITION before writing anything when the table
 * forbids any of the moves. Updates the given Customer objects in place.
 */
export async function moveStages(em: EntityManager, moves: readonly { customer: Customer; move: StageMove }[]): Promise<StageChange[]> {
  if (moves.length === 0) return [];
  for (const { customer, move } of moves) assertTransition(customer.stage, move.to);
  const column = <T>(f: (m: (typeof moves)[number]) => T) => moves.map(f);
  const rows: { id: string; customer_id: string }[] = await em.query(
    `WITH moved AS (
       UPDATE customer c SET stage = m.to_stage, stage_entered_at = m.at
       FROM unnest($1::bigint[], $3::text[], $6::timestamptz[]) AS m(id, to_stage, at) WHERE c.id = m.id
     )
     INSERT INTO stage_change (customer_id, from_stage, to_stage, reason, trigger, occurred_at)
     SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[])
     RETURNING id::text, customer_id::text`,
    [
      column((m) => m.customer.id),
      column((m) => m.customer.stage),
      column((m) => m.move.to),
      column((m) => m.move.reason),
      column((m) => m.move.trigger),
      column((m) => m.move.at),
    ],
  );
  const changeId = new Map(rows.map((r) => [r.customer_id, r.id]));
  const changes = moves.map(({ customer, move }) =>
    Object.assign(new StageChange(), {
      id: changeId.get(customer.id)!,
      customerId: customer.id,
      from: customer.stage,
      to: move.to,
      reason: move.reason,
      trigger: move.trigger,
      occurredAt: move.at,
    }),
  );
  for (const { customer, move } of moves) {
    customer.stage = move.to;
    customer.stageEnteredAt = move.at;
  }
  await recordEvents(
    em,
    changes.map((c) => ({
      type: CustomerEventType.STAGE_CHANGED,
      customerId: c.customerId,
      occurredAt: c.occurredAt,
      payload: { stageChangeId: c.id, from: c.from, to: c.to, reason: c.reason, trigger: c.trigger },
    })),
  );
  return changes;
}

/** Moves one customer (locked by the caller's transaction); see moveStages. */
export async function moveStage(em: EntityManager, customer: Customer, move: StageMove): Promise<StageChange> {
  return (await moveStages(em, [{ customer, move }]))[0];
}

/**
 * Applies automatic rules to locked customers in one batch (see moveStages):
 * each customer's first rule that fits their stage moves them; the others are
 * left alone. Returns the changes made.
 */
export async function applyAutomaticMoves(
  em: EntityManager,
  candidates: readonly {
    customer: Customer;
    triggers: readonly { trigger: Exclude<StageChangeTrigger, StageChangeTrigger.MANUAL>; reason: string }[];
  }[],
  at: Date,
): Promise<StageChange[]> {
  const moves: { customer: Customer; move: StageMove }[] = [];
  for (const { customer, triggers } of candidates) {
    for (const { trigger, reason } of triggers) {
      const to = automaticMove(trigger, customer.stage);
      if (to) {
        moves.push({ customer, move: { to, reason, trigger, at } });
        break;
      }
    }
  }
  return moveStages(em, moves);
}

/** Applies one automatic rule if it fits the customer's stage; returns the change or null. */
export async function applyAutomaticMove(
  em: EntityManager,
  customer: Customer,
  trigger: Exclude<StageChangeTrigger, StageChangeTrigger.MANUAL>,
  reason: string,
  at: Date,
): Promise<StageChange | null> {
  return (await applyAutomaticMoves(em, [{ customer, triggers: [{ trigger, reason }] }], at))[0] ?? null;
}

/** An automatic rule: Exclude<StageChangeTrigger, MANUAL>. */
type AutomaticTrigger = Exclude<StageChangeTrigger, StageChangeTrigger.MANUAL>;

/**
 * The automatic rules as rows (trigger, from, to), straight from AUTOMATIC_MOVES and the transition
 * table (the same test as automaticMove), for the set-based path: SQL gets them as parameters, so
 * the stage machine stays in stages.ts.
 */
function automaticRuleColumns(): [AutomaticTrigger[], LifecycleStage[], LifecycleStage[]] {
  const rows = (Object.keys(AUTOMATIC_MOVES) as AutomaticTrigger[]).flatMap((trigger) =>
    AUTOMATIC_MOVES[trigger].from.flatMap((from) =>
      automaticMove(trigger, from) ? [[trigger, from, AUTOMATIC_MOVES[trigger].to] as const] : [],
    ),
  );
  return [rows.map((r) => r[0]), rows.map((r) => r[1]), rows.map((r) => r[2])];
}

/**
 * The candidates for applyAutomaticMovesInSql: a query (its parameters numbered from $1) yielding
 * rows (customer_id bigint, rank int, trigger text, reason text), the automatic rules to try on each
 * customer, lowest rank first. Customers may repeat; ids that do not exist are ignored.
 */
export interface AutomaticMoveCandidates {
  sql: string;
  params: readonly unknown[];
  /**
   * The rows also yield `last_at timestamptz`, a purchase time: a moved customer's
   * last_purchase_at becomes the later of its own and that, in the same row update (a purchase
   * import would otherwise write each first buyer's row twice; every customer update costs all
   * of the table's indexes).
   */
  lastPurchaseAt?: boolean;
}

/**
 * What a move writes. It inserts no customer, and its customer update changes only stage and
 * purchase columns, never what the duplicate triggers (migrations: CustomerMerge,
 * CheapCustomerUpdates) and the search triggers (CustomerSearch) watch: name, email, phone and
 * merge state.
 */
export const MOVE_TABLES: ReferenceCheckedTables = {
  tables: ['customer', 'stage_change', 'customer_event', 'event_counter'],
  unaffectedTriggers: ['customer_duplicates_insert', 'customer_duplicates_update', 'customer_search_insert', 'customer_search_update'],
};

/**
 * applyAutomaticMoves for any number of customers, set-based: in the caller's transaction, two
 * statements whatever their number (a third where it skipped the foreign-key triggers) and
 * nothing per customer in Node. Each candidate's first rule (by rank) that fits their stage moves
 * them; erased and merged customers (tombstones) are never moved. Statement 1 locks the customers
 * some rule applies to (FOR UPDATE, in id order: the locking rule of customers/customer.lock.ts);
 * statement 2 updates them, writes their history rows and records their STAGE_CHANGED events
 * through the outbox (events/outbox.ts: counter lock taken after the customer locks), in customer
 * id order. Returns how many moved.
 *
 * The locked customers are not registered with assertCustomersHeld (that would cost memory per
 * customer): a caller that records more events about them through recordEvents in the same
 * transaction must lock them with lockCustomers first, which is cheap because they are locked.
 */
export async function applyAutomaticMovesInSql(em: EntityManager, candidates: AutomaticMoveCandidates, at: Date): Promise<number> {
  const n = candidates.params.length;
  const [triggers, froms, tos] = automaticRuleColumns();
  const rules = `rules AS (
      SELECT * FROM unnest($${n + 1}::text[], $${n + 2}::text[], $${n + 3}::text[]) AS r(trigger, from_stage, to_stage)
    ), candidates AS (${candidates.sql})`;
  // Every customer the writes below refer to is locked here first, so their foreign-key triggers
  // can be skipped (db/references.ts); this statement writes nothing, so it may switch them off.
  const [{ locked, skipped }]: { locked: string[]; skipped: boolean }[] = await em.query(
    `WITH ${rules}, stages_of AS (SELECT trigger, array_agg(from_stage) AS from_stages FROM rules GROUP BY trigger)
     SELECT coalesce(array_agg(DISTINCT l.id ORDER BY l.id), '{}') AS locked, ${skipReferenceTriggersSql(MOVE_TABLES, 'count(*) > 0')} AS skipped FROM (
       -- One probe of customer per distinct (customer, trigger), with the trigger's from-stages as
       -- one array: joined rule by rule it probed once per from-stage, and grouping the rule rows
       -- per customer sorted six rows a candidate of the churn rule. A customer two triggers fit
       -- comes twice (locked once); the DISTINCT above lists it once.
       SELECT c.id FROM (SELECT DISTINCT customer_id, trigger FROM candidates) k
       JOIN stages_of r ON r.trigger = k.trigger
       JOIN customer c ON c.id = k.customer_id AND c.stage = ANY(r.from_stages)
       WHERE c.merged_into IS NULL AND c.erased_at IS NULL
       ORDER BY c.id
       FOR UPDATE OF c
     ) l`,
    [...candidates.params, triggers, froms, tos],
  );
  if (locked.length === 0) return 0;
  const lastAt = candidates.lastPurchaseAt
    ? { pick: ', k.last_at', set: `, last_purchase_at = GREATEST(c.last_purchase_at, p.last_at), updated_at = $${n + 5}::timestamptz` }
    : { pick: '', set: '' };
  // Only the customers locked above: one whose stage changed since might fit now, but taking its
  // lock in this statement, after the outbox counter's, could deadlock.
  // The id range (the locked ids are sorted) lets the planner read the batch by the primary key;
  // joined to the id list alone it scanned the whole table for every batch.
  // The final SELECT reads `moved` and `changes` before the outbox's columns, so the customer rows
  // and the history rows are written before the events take the counter lock: a concurrent mover
  // (a fit runs two batches at once) then waits for that lock only while this one records its
  // events and commits.
  const [{ moved }]: { moved: number }[] = await em.query(
    `WITH ${rules}, pick AS MATERIALIZED (
       SELECT DISTINCT ON (c.id) c.id AS customer_id, c.stage AS from_stage, r.to_stage, k.trigger, k.reason${lastAt.pick}
       FROM unnest($${n + 4}::bigint[]) AS l(id)
       JOIN customer c ON c.id = l.id AND c.id BETWEEN ($${n + 4}::bigint[])[1] AND ($${n + 4}::bigint[])[cardinality($${n + 4}::bigint[])]
       JOIN candidates k ON k.customer_id = c.id
       JOIN rules r ON r.trigger = k.trigger AND r.from_stage = c.stage
       ORDER BY c.id, k.rank
     ), moved AS (
       UPDATE customer c SET stage = p.to_stage, stage_entered_at = $${n + 5}::timestamptz${lastAt.set} FROM pick p WHERE c.id = p.customer_id
       RETURNING c.id
     ), ${stageHistoryCtes('pick', `$${n + 5}::timestamptz`)}
     SELECT (SELECT count(*) FROM moved) AS updated, (SELECT count(*) FROM changes)::int AS moved, ${OUTBOX_NOTIFY_COLUMNS}`,
    [...candidates.params, triggers, froms, tos, locked, at],
  );
  if (skipped) await restoreReferenceTriggers(em);
  return moved;
}

/**
 * CTEs that write the history rows of the stage moves in `moves` (a CTE or table of customer_id,
 * from_stage, to_stage, reason, trigger) at `at` (an SQL timestamptz), as `changes`, and record
 * their STAGE_CHANGED events through the outbox, in customer id order. The statement selects
 * OUTBOX_NOTIFY_COLUMNS and must follow the outbox's locking rule (the customers locked first, or
 * created by this transaction).
 */
export function stageHistoryCtes(moves: string, at: string): string {
  return `changes AS (
       INSERT INTO stage_change (customer_id, from_stage, to_stage, reason, trigger, occurred_at)
       SELECT customer_id, from_stage, to_stage, reason, trigger, ${at} FROM ${moves} ORDER BY customer_id
       RETURNING id, customer_id, from_stage, to_stage, reason, trigger
     ), stage_events AS (
       SELECT row_number() OVER (ORDER BY customer_id) AS ord, '${CustomerEventType.STAGE_CHANGED}'::text AS type, customer_id,
         jsonb_build_object('stageChangeId', id::text, 'from', from_stage, 'to', to_stage, 'reason', reason, 'trigger', trigger) AS payload,
         ${at} AS occurred_at
       FROM changes
     ), ${outboxCtes('stage_events')}`;
}

/** The manual stage move behind `transitionCustomerStage`. */
export class LifecycleService {
  constructor(
    private readonly ds: DataSource,
    private readonly clock: Clock,
  ) {}

  async transition(
    input: {
      customerId: string;
      to: LifecycleStage;
      reason?: string | null;
    },
    outer?: EntityManager,
  ): Promise<{ customer: Customer; change: StageChange }> {
    const id = fromGlobalId(input.customerId, 'Customer', 'input.customerId');
    return inTransaction(
      this.ds,
      async (em) => {
        const customer = await lockCustomer(em, id, 'input.customerId');
        const change = await moveStage(em, customer, {
          to: input.to,
          reason: input.reason?.trim() || null,
          trigger: StageChangeTrigger.MANUAL,
          at: this.clock.now(),
        });
        return { customer, change };
      },
      outer,
    );
  }
}
