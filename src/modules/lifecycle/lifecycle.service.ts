/**
 * The stage machine: every stage change — manual or automatic — goes through
 * `moveStage`, which checks the table, updates the customer, writes the history
 * row and the STAGE_CHANGED event in the caller's transaction.
 */
import type { DataSource, EntityManager } from 'typeorm';
import { fromGlobalId } from '../../shared/global-id';
import { inTransaction } from '../../db/transaction';
import type { Clock } from '../../shared/clock';
import { allowedTransitions, automaticMove, canTransition, LifecycleStage, StageChangeTrigger } from './stages';
import { DomainError, ErrorCode } from '../../shared/errors';
import { Customer } from '../customers/customer.entity';
import { lockCustomer } from '../customers/customer.lock';
import { CustomerEventType } from '../events/event-types';
import { recordEvents } from '../events/outbox';
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

/**
 * Moves `customer` (a row locked by the caller's transaction) to `move.to`.
 * Throws INVALID_STAGE_TRANSITION, naming the allowed targets, when the table
 * forbids the move.
 */
export async function moveStage(em: EntityManager, customer: Customer, move: StageMove): Promise<StageChange> {
  const from = customer.stage;
  if (!canTransition(from, move.to)) {
    const allowed = allowedTransitions(from);
    throw new DomainError(
      ErrorCode.INVALID_STAGE_TRANSITION,
      `A customer in ${from} cannot move to ${move.to}. Allowed from ${from}: ${allowed.join(', ') || 'none'}.`,
      { field: 'input.to', from, to: move.to, allowed },
    );
  }
  customer.stage = move.to;
  customer.stageEnteredAt = move.at;
  await em.getRepository(Customer).update({ id: customer.id }, { stage: move.to, stageEnteredAt: move.at });
  const change = await em.getRepository(StageChange).save(
    em.getRepository(StageChange).create({ customerId: customer.id, from, to: move.to, reason: move.reason, trigger: move.trigger, occurredAt: move.at }),
  );
  await recordEvents(em, [
    {
      type: CustomerEventType.STAGE_CHANGED,
      customerId: customer.id,
      occurredAt: move.at,
      payload: { stageChangeId: change.id, from, to: move.to, reason: move.reason, trigger: move.trigger },
    },
  ]);
  return change;
}

/** Applies an automatic rule if it fits the customer's stage; returns the change or null. */
export async function applyAutomaticMove(
  em: EntityManager,
  customer: Customer,
  trigger: Exclude<StageChangeTrigger, StageChangeTrigger.MANUAL>,
  reason: string,
  at: Date,
): Promise<StageChange | null> {
  const to = automaticMove(trigger, customer.stage);
  return to ? moveStage(em, customer, { to, reason, trigger, at }) : null;
}

/** The manual stage move behind `transitionCustomerStage`. */
export class LifecycleService {
  constructor(
    private readonly ds: DataSource,
    private readonly clock: Clock,
  ) {}

  async transition(input: { customerId: string; to: LifecycleStage; reason?: string | null }): Promise<{ customer: Customer; change: StageChange }> {
    const id = fromGlobalId(input.customerId, 'Customer', 'input.customerId');
    return inTransaction(this.ds, async (em) => {
      const customer = await lockCustomer(em, id, 'input.customerId');
      const change = await moveStage(em, customer, { to: input.to, reason: input.reason?.trim() || null, trigger: StageChangeTrigger.MANUAL, at: this.clock.now() });
      return { customer, change };
    });
  }
}
