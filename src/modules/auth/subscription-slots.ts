/**
 * Caps the subscriptions one API key holds open, across every API instance.
 *
 * Each instance holds a lease in `api_instance` (its id, `lease_expires_at`),
 * renewed every `heartbeatMs`; each open subscription owns a row in
 * `subscription_slot` that names its instance. A slot counts only while its
 * instance is live: lease not expired, and synced since PostgreSQL last
 * started (`synced_at >= pg_postmaster_start_time()`). So:
 *
 *  - the slots of an instance that died (kill -9, a lost host) stop counting
 *    when its lease runs out, `leaseMs` after its last heartbeat, and any
 *    instance's heartbeat deletes them;
 *  - a release that could not reach the database (an outage) is not lost:
 *    the instance re-syncs — in one transaction it renews its lease, deletes
 *    all of its rows and inserts the slots it really holds — as soon as the
 *    database answers again (the outage monitor's recovery, or the next
 *    heartbeat);
 *  - after a PostgreSQL restart no instance's old rows count until that
 *    instance has re-synced, so a slot released during the outage can never
 *    refuse a subscription. For that short while (one heartbeat at most) the
 *    cap errs towards allowing, never towards refusing;
 *  - the tables are logged (WAL), so a crash of PostgreSQL keeps live slots.
 *
 * Acquiring locks the key's row, so two instances cannot both take the last slot.
 */
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { inTransaction } from '../../db/transaction';
import { DomainError, ErrorCode } from '../../shared/errors';
import { INFRA_SQL_TAG } from './api-key.service';
import type { Viewer } from './viewer';

export const DEFAULT_MAX_SUBSCRIPTIONS_PER_KEY = 20;
export const DEFAULT_INSTANCE_HEARTBEAT_MS = 2_000;
export const DEFAULT_INSTANCE_LEASE_MS = 10_000;

/** An instance whose slots count (SQL condition on `api_instance i`). */
const LIVE_INSTANCE = `i.lease_expires_at > now() AND i.synced_at >= pg_postmaster_start_time()`;
/** How long an expired instance row is kept (for looking into what happened) before the heartbeat deletes it. */
const FORGET_INSTANCES_AFTER_S = 3600;

export interface SubscriptionSlot {
  readonly id: string;
  readonly apiKeyId: string;
}

export interface SubscriptionSlotOptions {
  /** Open subscriptions per key when the key sets no limit of its own. */
  maxPerKey?: number;
  /** How often this instance renews its lease (ms). */
  heartbeatMs?: number;
  /** How long a lease lasts without renewal (ms): slots of a dead instance are freed this long after its last heartbeat. */
  leaseMs?: number;
  /** Told when a statement failed (e.g. the outage monitor, which logs one line per outage). */
  onError?: (err: unknown) => void;
}

export class SubscriptionSlots {
  /** Identifies this process's slots. */
  readonly instanceId = randomUUID();
  /** Open slots of this instance: slot id → API key id. The truth the database is re-synced to. */
  private readonly held = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private readonly maxPerKey: number;
  private readonly heartbeatMs: number;
  private readonly leaseMs: number;
  /** The database may not match `held` (never synced, or a statement failed): sync before anything else. */
  private needsSync = true;
  private syncing: Promise<void> | null = null;
  /** Acquires between `enter` and `leave`, and syncs waiting for them to finish. */
  private acquiring = 0;
  private readonly quiet: (() => void)[] = [];
  private stopped = false;
  /** Re-syncs done (tests, metrics). */
  syncs = 0;

  constructor(
    private readonly ds: DataSource,
    private readonly opts: SubscriptionSlotOptions = {},
  ) {
    this.maxPerKey = opts.maxPerKey ?? DEFAULT_MAX_SUBSCRIPTIONS_PER_KEY;
    this.heartbeatMs = opts.heartbeatMs ?? DEFAULT_INSTANCE_HEARTBEAT_MS;
    this.leaseMs = opts.leaseMs ?? DEFAULT_INSTANCE_LEASE_MS;
    if (this.leaseMs < 2 * this.heartbeatMs) throw new RangeError('the instance lease must last at least two heartbeats');
  }

  /** The cap that applies to `viewer`. */
  limitFor(viewer: Viewer): number {
    return viewer.maxSubscriptions ?? this.maxPerKey;
  }

  /**
   * Takes a slot for one subscription of `viewer`'s key, or throws
   * RATE_LIMITED (extensions: limit, open) when the key already holds its cap,
   * UNAUTHENTICATED for anonymous viewers. Release it with `release` when the
   * subscription ends, whatever the reason. Rejects with the driver's error
   * when the database cannot be reached.
   */
  async acquire(viewer: Viewer): Promise<SubscriptionSlot> {
    if (!viewer.apiKeyId) throw new DomainError(ErrorCode.UNAUTHENTICATED, 'Subscriptions need an API key.');
    const apiKeyId = viewer.apiKeyId;
    const limit = this.limitFor(viewer);
    const id = randomUUID();
    await this.enter();
    try {
      await this.take(apiKeyId, limit, id);
    } finally {
      this.leave();
    }
    return { id, apiKeyId };
  }

  /** The acquiring transaction; its slot joins `held` before a sync can run (see `enter`). */
  private async take(apiKeyId: string, limit: number, id: string): Promise<void> {
    await inTransaction(this.ds, async (em) => {
      const key: unknown[] = await em.query(
        `${INFRA_SQL_TAG} SELECT 1 FROM api_key WHERE id = $1 AND revoked_at IS NULL FOR NO KEY UPDATE`,
        [apiKeyId],
      );
      if (!key.length) throw new DomainError(ErrorCode.UNAUTHENTICATED, 'This API key has been revoked.');
      const counted: { open: number }[] = await em.query(
        `${INFRA_SQL_TAG} SELECT count(*)::int AS open FROM subscription_slot s
          JOIN api_instance i ON i.id = s.instance_id AND ${LIVE_INSTANCE}
          WHERE s.api_key_id = $1`,
        [apiKeyId],
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
    this.held.set(id, apiKeyId);
  }

  /**
   * Gives a slot back. Idempotent, and never rejects: when the database
   * cannot be reached the row stays, and the next re-sync removes it.
   */
  async release(slot: SubscriptionSlot): Promise<void> {
    if (!this.held.delete(slot.id)) return;
    await this.syncing;
    if (this.needsSync) return; // the coming re-sync writes `held` as it is now
    try {
      await this.ds.query(`${INFRA_SQL_TAG} DELETE FROM subscription_slot WHERE id = $1`, [slot.id]);
    } catch (err) {
      this.failed(err);
    }
  }

  /** Open slots held by this instance. */
  get heldCount(): number {
    return this.held.size;
  }

  /** Registers this instance (its first sync) and starts renewing its lease. */
  start(): void {
    if (this.timer || this.stopped) return;
    void this.sync().catch((err: unknown) => this.failed(err));
    this.timer = setInterval(() => void this.heartbeat().catch((err: unknown) => this.failed(err)), this.heartbeatMs);
    this.timer.unref();
  }

  /**
   * One heartbeat: renew the lease (re-syncing instead when the database no
   * longer holds this instance as live, or may not match what it holds), then
   * delete the slots of every instance that is not live.
   */
  async heartbeat(): Promise<void> {
    if (this.stopped) return;
    if (this.needsSync) await this.sync();
    else {
      const renewed: unknown[] = await this.ds.query(
        `${INFRA_SQL_TAG} UPDATE api_instance i SET lease_expires_at = now() + make_interval(secs => $2)
          WHERE i.id = $1 AND ${LIVE_INSTANCE} RETURNING 1`,
        [this.instanceId, this.leaseMs / 1000],
      );
      // Expired (a long pause or outage: others may have deleted our rows) or PostgreSQL restarted since our last sync.
      if (!(Array.isArray(renewed) && renewed.length)) await this.sync();
    }
    await this.ds.query(
      `${INFRA_SQL_TAG} WITH forgotten AS (
         DELETE FROM api_instance WHERE lease_expires_at < now() - make_interval(secs => $1)
       )
       DELETE FROM subscription_slot s
        WHERE NOT EXISTS (SELECT 1 FROM api_instance i WHERE i.id = s.instance_id AND ${LIVE_INSTANCE})`,
      [FORGET_INSTANCES_AFTER_S],
    );
  }

  /**
   * Makes the database hold exactly this instance's live slots, with a fresh
   * lease, in one transaction. Concurrent calls share one run; acquire and
   * release wait for it.
   */
  sync(): Promise<void> {
    this.syncing ??= this.syncOnce().finally(() => {
      this.syncing = null;
    });
    return this.syncing;
  }

  private async syncOnce(): Promise<void> {
    if (this.stopped) return;
    // Anything that fails from here on leaves needsSync set for the next attempt.
    this.needsSync = true;
    if (this.acquiring > 0) await new Promise<void>((resolve) => this.quiet.push(resolve));
    const slots = [...this.held];
    await inTransaction(this.ds, async (em) => {
      await em.query(
        `${INFRA_SQL_TAG} INSERT INTO api_instance (id, lease_expires_at, synced_at) VALUES ($1, now() + make_interval(secs => $2), now())
         ON CONFLICT (id) DO UPDATE SET lease_expires_at = EXCLUDED.lease_expires_at, synced_at = EXCLUDED.synced_at`,
        [this.instanceId, this.leaseMs / 1000],
      );
      await em.query(`${INFRA_SQL_TAG} DELETE FROM subscription_slot WHERE instance_id = $1`, [this.instanceId]);
      if (slots.length)
        // Keys revoked meanwhile lose their slots (their sockets are being closed).
        await em.query(
          `${INFRA_SQL_TAG} INSERT INTO subscription_slot (id, api_key_id, instance_id)
           SELECT u.id, u.key, $3 FROM unnest($1::uuid[], $2::bigint[]) AS u(id, key)
           JOIN api_key k ON k.id = u.key AND k.revoked_at IS NULL`,
          [slots.map(([id]) => id), slots.map(([, key]) => key), this.instanceId],
        );
    });
    this.needsSync = false;
    this.syncs++;
  }

  /**
   * Lets an acquire in once no sync is running or due. Acquires run side by
   * side; a sync waits until none is in flight (`leave`), because one that
   * committed its slot but has not yet put it in `held` would otherwise be
   * deleted by the sync and never re-inserted. Check and count happen in one
   * synchronous step, so no sync can start in between.
   */
  private async enter(): Promise<void> {
    for (;;) {
      if (this.syncing) await this.syncing.catch(() => undefined);
      else if (this.needsSync) await this.sync();
      else {
        this.acquiring++;
        return;
      }
    }
  }

  private leave(): void {
    this.acquiring--;
    if (this.acquiring === 0) for (const resume of this.quiet.splice(0)) resume();
  }

  private failed(err: unknown): void {
    this.needsSync = true;
    this.opts.onError?.(err);
  }

  /** Stops the heartbeat and releases every slot this instance holds, and its lease. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.held.clear();
    await this.syncing?.catch(() => undefined);
    if (!this.ds.isInitialized) return;
    await this.ds
      .query(
        `${INFRA_SQL_TAG} WITH slots AS (DELETE FROM subscription_slot WHERE instance_id = $1) DELETE FROM api_instance WHERE id = $1`,
        [this.instanceId],
      )
      .catch(() => undefined);
  }
}
