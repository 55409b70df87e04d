/**
 * Caps the subscriptions one API key holds open, across every API instance.
 * Each open subscription owns a row in `subscription_slot` tagged with this
 * instance's id; the instance refreshes `heartbeat_at` on its rows, so rows
 * of an instance that died without cleaning up are reclaimed once stale.
 * Acquiring locks the key's row, so two instances cannot both take the last slot.
 */
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { inTransaction } from '../../db/transaction';
import { DomainError, ErrorCode } from '../../shared/errors';
import { INFRA_SQL_TAG } from './api-key.service';
import type { Viewer } from './viewer';

export const DEFAULT_MAX_SUBSCRIPTIONS_PER_KEY = 20;

export interface SubscriptionSlot {
  readonly id: string;
  readonly apiKeyId: string;
}

export interface SubscriptionSlotOptions {
  /** Open subscriptions per key when the key sets no limit of its own. */
  maxPerKey?: number;
  /** How often this instance refreshes its slots (ms). */
  heartbeatMs?: number;
  /** Slots not refreshed for this long belong to a dead instance (ms). */
  staleAfterMs?: number;
}

export class SubscriptionSlots {
  /** Identifies this process's slots. */
  readonly instanceId = randomUUID();
  private readonly held = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private readonly maxPerKey: number;
  private readonly heartbeatMs: number;
  private readonly staleAfterMs: number;

  constructor(
    private readonly ds: DataSource,
    opts: SubscriptionSlotOptions = {},
  ) {
    this.maxPerKey = opts.maxPerKey ?? DEFAULT_MAX_SUBSCRIPTIONS_PER_KEY;
    this.heartbeatMs = opts.heartbeatMs ?? 15_000;
    this.staleAfterMs = opts.staleAfterMs ?? 60_000;
  }

  /** The cap that applies to `viewer`. */
  limitFor(viewer: Viewer): number {
    return viewer.maxSubscriptions ?? this.maxPerKey;
  }

  /**
   * Takes a slot for one subscription of `viewer`'s key, or throws
   * RATE_LIMITED (extensions: limit, open) when the key already holds its cap,
   * UNAUTHENTICATED for anonymous viewers. Release it with `release` when the
   * subscription ends, whatever the reason.
   */
  async acquire(viewer: Viewer): Promise<SubscriptionSlot> {
    if (!viewer.apiKeyId) throw new DomainError(ErrorCode.UNAUTHENTICATED, 'Subscriptions need an API key.');
    const apiKeyId = viewer.apiKeyId;
    const limit = this.limitFor(viewer);
    const id = randomUUID();
    await inTransaction(this.ds, async (em) => {
      const key: unknown[] = await em.query(
        `${INFRA_SQL_TAG} SELECT 1 FROM api_key WHERE id = $1 AND revoked_at IS NULL FOR NO KEY UPDATE`,
        [apiKeyId],
      );
      if (!key.length) throw new DomainError(ErrorCode.UNAUTHENTICATED, 'This API key has been revoked.');
      const counted: { open: number }[] = await em.query(
        `${INFRA_SQL_TAG} SELECT count(*)::int AS open FROM subscription_slot
          WHERE api_key_id = $1 AND heartbeat_at >= now() - make_interval(secs => $2)`,
        [apiKeyId, this.staleAfterMs / 1000],
      );
      const open = counted[0].open;
      if (open >= limit) {
        throw new DomainError(
          ErrorCode.RATE_LIMITED,
          `This API key already holds ${open} open subscriptions, its limit; close one first.`,
          { limit, open },
        );
      }
      await em.query(`${INFRA_SQL_TAG} INSERT INTO subscription_slot (id, api_key_id, instance_id) VALUES ($1, $2, $3)`, [
        id,
        apiKeyId,
        this.instanceId,
      ]);
    });
    this.held.add(id);
    return { id, apiKeyId };
  }

  /** Gives a slot back. Idempotent. */
  async release(slot: SubscriptionSlot): Promise<void> {
    if (!this.held.delete(slot.id)) return;
    await this.ds.query(`${INFRA_SQL_TAG} DELETE FROM subscription_slot WHERE id = $1`, [slot.id]);
  }

  /** Open slots held by this instance. */
  get heldCount(): number {
    return this.held.size;
  }

  /** Starts refreshing this instance's slots and reclaiming stale ones. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.heartbeat().catch(() => undefined), this.heartbeatMs);
    this.timer.unref();
  }

  /** One heartbeat: refresh ours, drop everybody's stale rows. */
  async heartbeat(): Promise<void> {
    if (this.held.size)
      await this.ds.query(`${INFRA_SQL_TAG} UPDATE subscription_slot SET heartbeat_at = now() WHERE instance_id = $1`, [this.instanceId]);
    await this.ds.query(`${INFRA_SQL_TAG} DELETE FROM subscription_slot WHERE heartbeat_at < now() - make_interval(secs => $1)`, [
      this.staleAfterMs / 1000,
    ]);
  }

  /** Stops the heartbeat and releases every slot this instance holds. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (!this.held.size || !this.ds.isInitialized) return;
    this.held.clear();
    await this.ds.query(`${INFRA_SQL_TAG} DELETE FROM subscription_slot WHERE instance_id = $1`, [this.instanceId]).catch(() => undefined);
  }
}
