/**
 * Reads of the outbox: new events for the feed, filtered pages for replay and
 * `Query.customerEvents`, the feed's head and pruning. Because `seq` order is
 * commit order (see outbox.ts), "everything with seq > N" is a safe way to read
 * forward: no later reader can find an older event appearing behind it.
 */
import type { DataSource } from 'typeorm';
import type { CustomerEventType } from './event-types';
import { filterSql, type EventFilter } from './filter';

/** One outbox row. */
export interface StoredEvent {
  /** Position in the feed: commit order, unique, increasing (not gap-free). */
  seq: number;
  type: CustomerEventType;
  /** Null for graph-wide events (IMPORT_COMPLETED). */
  customerId: string | null;
  /** The customer's persona when the event was recorded. */
  personaId: string | null;
  payload: Record<string, unknown>;
  occurredAt: Date;
  recordedAt: Date;
}

/** Where the feed stands: the newest committed seq and the newest pruned one. */
export interface FeedBounds {
  head: number;
  prunedThrough: number;
}

export interface EventPage extends FeedBounds {
  events: StoredEvent[];
  /**
   * How far this read looked: the last event's seq when the page is full,
   * otherwise `head`. Reading on from here misses nothing, even when no event
   * in between matched the filter.
   */
  scannedThrough: number;
  /** True when more matching events may follow (the page is full). */
  full: boolean;
}

interface Row {
  seq: string;
  type: CustomerEventType;
  customer_id: string | null;
  persona_id: string | null;
  payload: Record<string, unknown>;
  occurred_at: Date;
  recorded_at: Date;
}

const COLUMNS = 'e.seq, e.type, e.customer_id, e.persona_id, e.payload, e.occurred_at, e.recorded_at';

const toEvent = (r: Row): StoredEvent => ({
  seq: Number(r.seq),
  type: r.type,
  customerId: r.customer_id == null ? null : String(r.customer_id),
  personaId: r.persona_id == null ? null : String(r.persona_id),
  payload: r.payload,
  occurredAt: r.occurred_at,
  recordedAt: r.recorded_at,
});

const PRUNE_LOCK = 0x63675f65; // arbitrary advisory-lock key owned by the pruning job ("cg_e")
const PRUNE_CHUNK = 10_000;

export class EventStore {
  constructor(private readonly ds: DataSource) {}

  /** The newest committed seq and the newest pruned seq, from one snapshot. */
  async bounds(): Promise<FeedBounds> {
    const [row] = await this.ds.query<{ head: string; pruned: string }[]>(
      `SELECT (SELECT seq FROM event_counter) AS head, (SELECT pruned_through FROM event_retention) AS pruned`,
    );
    return { head: Number(row.head), prunedThrough: Number(row.pruned) };
  }

  /** Up to `limit` events after `afterSeq`, unfiltered, in seq order (the feed's read). */
  async readAfter(afterSeq: number, limit: number): Promise<StoredEvent[]> {
    const rows = await this.ds.query<Row[]>(`SELECT ${COLUMNS} FROM customer_event e WHERE e.seq > $1 ORDER BY e.seq LIMIT $2`, [
      afterSeq,
      limit,
    ]);
    return rows.map(toEvent);
  }

  /**
   * Up to `limit` events after `afterSeq` that pass `filter`, with the feed's
   * bounds read in the same statement (one snapshot), so a caller can tell
   * whether pruning removed anything it still needed.
   */
  async page(afterSeq: number, filter: EventFilter, limit: number): Promise<EventPage> {
    const { conditions, params } = filterSql(filter, 3);
    const where = ['e.seq > $1', 'e.seq <= b.head', ...conditions].join(' AND ');
    const rows = await this.ds.query<(Partial<Row> & { head: string; pruned: string })[]>(
      `WITH b AS (SELECT (SELECT seq FROM event_counter) AS head, (SELECT pruned_through FROM event_retention) AS pruned)
       SELECT b.head, b.pruned, ${COLUMNS.replace(/e\./g, 'p.')}
       FROM b LEFT JOIN LATERAL (
         SELECT ${COLUMNS} FROM customer_event e WHERE ${where} ORDER BY e.seq LIMIT $2
       ) p ON true
       ORDER BY p.seq`,
      [afterSeq, limit, ...params],
    );
    const head = Number(rows[0].head);
    const events = rows.filter((r) => r.seq != null).map((r) => toEvent(r as Row));
    const full = events.length === limit && limit > 0;
    return {
      head,
      prunedThrough: Number(rows[0].pruned),
      events,
      full,
      scannedThrough: full ? events[events.length - 1].seq : Math.max(head, afterSeq),
    };
  }

  /** How many retained events after `afterSeq` pass `filter`. */
  async count(afterSeq: number, filter: EventFilter): Promise<number> {
    const { conditions, params } = filterSql(filter, 2);
    const [row] = await this.ds.query<{ n: string }[]>(
      `SELECT count(*) AS n FROM customer_event e WHERE ${['e.seq > $1', ...conditions].join(' AND ')}`,
      [afterSeq, ...params],
    );
    return Number(row.n);
  }

  /** Events by seq, for `node(id:)`; missing (or pruned) ones are absent. */
  async bySeq(seqs: readonly number[]): Promise<StoredEvent[]> {
    const rows = await this.ds.query<Row[]>(`SELECT ${COLUMNS} FROM customer_event e WHERE e.seq = ANY($1::bigint[])`, [seqs]);
    return rows.map(toEvent);
  }

  /**
   * Deletes events recorded before `cutoff`, oldest first, in chunks, and
   * advances `pruned_through` with each chunk so a cursor is refused exactly
   * when something after it is gone. Returns how many were deleted; 0 when
   * another instance holds the pruning lock.
   */
  async prune(cutoff: Date): Promise<number> {
    const [{ through }] = await this.ds.query<{ through: string | null }[]>(
      `SELECT max(seq) AS through FROM customer_event WHERE recorded_at < $1`,
      [cutoff],
    );
    if (through === null) return 0;
    let deleted = 0;
    for (;;) {
      const n = await this.ds.transaction(async (em) => {
        const [{ locked }] = await em.query<{ locked: boolean }[]>(`SELECT pg_try_advisory_xact_lock($1) AS locked`, [PRUNE_LOCK]);
        if (!locked) return null;
        // Oldest first, so after each chunk "everything up to max(d) is gone" holds.
        const [row] = await em.query<{ n: string }[]>(
          `WITH d AS (
             DELETE FROM customer_event WHERE seq IN (SELECT seq FROM customer_event WHERE seq <= $1 ORDER BY seq LIMIT $2) RETURNING seq
           ), u AS (
             UPDATE event_retention SET pruned_through = GREATEST(pruned_through, (SELECT max(seq) FROM d)) WHERE id
           )
           SELECT count(*) AS n FROM d`,
          [through, PRUNE_CHUNK],
        );
        const count = Number(row.n);
        // The last chunk also covers seqs below the cut-off that were never used or already gone.
        if (count < PRUNE_CHUNK)
          await em.query(`UPDATE event_retention SET pruned_through = GREATEST(pruned_through, $1) WHERE id`, [through]);
        return count;
      });
      if (n === null) return deleted;
      deleted += n;
      if (n < PRUNE_CHUNK) return deleted;
    }
  }
}
