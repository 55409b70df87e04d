/**
 * Bulk import: a file (or request body) of customers, purchases, touchpoints or referrals,
 * streamed through COPY into a temporary staging table, checked in SQL, then merged set-based
 * (one INSERT … SELECT … ON CONFLICT per target table), all in one transaction:
 *
 *   parse (CsvReader / split2) → COPY import_row → checks → import_error
 *     → errors > maxErrors ? ROLLBACK (committed: false)
 *     : merge the good rows, follow-ups (holdings, last purchase, referral conversion),
 *       automatic stage moves (batched, through the stage machine), one IMPORT_COMPLETED event → COMMIT
 *
 * Idempotent: customers upsert on externalId, purchases and touchpoints skip a sourceId already
 * stored, referrals skip a (referrer, referred) pair already stored. See docs/import.md.
 */
import { performance } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { DataSource, EntityManager } from 'typeorm';
import type { Clock } from '../../shared/clock';
import { isUniqueViolation, sqlState } from '../../shared/pg-errors';
import { CustomerEventType } from '../events/event-types';
import { OUTBOX_NOTIFY_COLUMNS, recordEvents } from '../events/outbox';
import { withReferencesChecked } from '../../db/references';
import { withFallback } from '../../db/transaction';
import { applyAutomaticMovesInSql, stageHistoryCtes } from '../lifecycle/lifecycle.service';
import { automaticMove, LifecycleStage, StageChangeTrigger } from '../lifecycle/stages';
import { copyEncoder, recordParser, type EncoderState } from './import.stream';
import { copySql, duplicateChecksSql, stagingTableSql, valueChecksSql } from './import.checks';
import type { ImportFormat, ImportKind } from './import.kinds';

/** At most this many errors are listed in a report (errorRows counts them all). */
export const MAX_REPORTED_ERRORS = 1000;

/**
 * The customers an import created, with their first stage (their first history row, createdHistory)
 * and, for customers created already past their first automatic move, the stage they were born
 * in (recordBornMoves writes that move's history row and event).
 */
const CREATE_IMPORT_CREATED = `CREATE TEMP TABLE import_created (id bigint NOT NULL, stage text NOT NULL, moved_to text) ON COMMIT DROP`;

/** The move a first purchase makes; a customer created for its purchases makes it too. */
const FIRST_PURCHASE_MOVE = { trigger: StageChangeTrigger.FIRST_PURCHASE, reason: 'First purchase recorded.' } as const;

export interface ImportOptions {
  format: ImportFormat;
  /** Bad rows tolerated: more than this and nothing is written. Default 0. */
  maxErrors?: number;
  /** Purchases only: create a customer (named by its externalId) for an unknown externalId instead of refusing the row. */
  createCustomers?: boolean;
  /** Called every 200 ms while rows are read, and once at the end of the file. */
  onProgress?: (rows: number) => void;
  /** Called once the whole file is in the staging table, before the checks and the merge. */
  onStaged?: (rows: number) => void;
}

export interface ImportError {
  /** Line of the file (1 is the CSV header). */
  line: number;
  /** The column at fault; null when the whole row is (unparsable JSON, wrong number of fields). */
  column: string | null;
  reason: string;
}

export interface ImportReport {
  kind: ImportKind;
  format: ImportFormat;
  /** True when the good rows were written; false when nothing was (too many errors, or a missing column). */
  committed: boolean;
  /** Data rows read. */
  rows: number;
  inserted: number;
  updated: number;
  /** Valid rows that changed nothing: already imported (same sourceId, same referral) or identical. */
  skipped: number;
  /** Rows with at least one error; compared with maxErrors. */
  errorRows: number;
  maxErrors: number;
  /** Each error (at most MAX_REPORTED_ERRORS), by line then column. */
  errors: ImportError[];
  /** Customers created for unknown externalIds (createCustomers). */
  customersCreated: number;
  /** Stage changes the import caused (first purchases, purchases after a lapse, first referrals). */
  stageChanges: number;
  /** Columns of the file that nothing reads. */
  ignoredColumns: string[];
  durationMs: number;
  /** Where the time went: reading the file into the staging table, the checks, the merge, the stage moves and event. */
  phasesMs: { read: number; check: number; merge: number; moves: number };
}

/** Told after commit which customers got new purchases (to re-score them). */
export type ImportedPurchasesListener = (customerIds: string[]) => void;

/** The rows a merge wrote, and the customers whose stage it may move. */
interface MergeResult {
  inserted: number;
  updated: number;
  customersCreated: number;
  /** The automatic moves to try on the customers in import_touched, or null for none. */
  moves: {
    trigger: Exclude<StageChangeTrigger, StageChangeTrigger.MANUAL>;
    reason: string;
    elseTrigger?: { trigger: Exclude<StageChangeTrigger, StageChangeTrigger.MANUAL>; reason: string };
    /** import_touched has last_at: moved customers take it as their last purchase in the same update. */
    lastPurchaseAt?: boolean;
  } | null;
}

export class ImportService {
  private readonly purchaseListeners: ImportedPurchasesListener[] = [];

  constructor(
    private readonly ds: DataSource,
    private readonly clock: Clock,
  ) {}

  onPurchasesImported(listener: ImportedPurchasesListener): void {
    this.purchaseListeners.push(listener);
  }

  /** Imports `input` (the file's bytes) as `kind`; always answers with a report, never half-writes. */
  async run(kind: ImportKind, input: Readable, options: ImportOptions): Promise<ImportReport> {
    const started = performance.now();
    const maxErrors = options.maxErrors ?? 0;
    const format = options.format;
    const qr = this.ds.createQueryRunner();
    const client = (await qr.connect()) as PoolClient;
    const state: EncoderState = { rows: 0, plan: null };
    const report: ImportReport = {
      kind,
      format,
      committed: false,
      rows: 0,
      inserted: 0,
      updated: 0,
      skipped: 0,
      errorRows: 0,
      maxErrors,
      errors: [],
      customersCreated: 0,
      stageChanges: 0,
      ignoredColumns: [],
      durationMs: 0,
      phasesMs: { read: 0, check: 0, merge: 0, moves: 0 },
    };
    let mark = performance.now();
    const lap = (phase: keyof ImportReport['phasesMs']) => {
      const now = performance.now();
      report.phasesMs[phase] = Math.round(now - mark);
      mark = now;
    };
    let touched: string[] = [];
    try {
      await qr.startTransaction('READ COMMITTED');
      const em = qr.manager;
      // Date-only values mean midnight UTC whatever the server's zone; sorts for the checks stay in memory.
      await em.query(`SET LOCAL TimeZone = 'UTC'`);
      await em.query(`SET LOCAL work_mem = '64MB'`);
      await em.query(stagingTableSql(kind));
      await em.query(`CREATE TEMP TABLE import_error (line bigint NOT NULL, col text, reason text NOT NULL) ON COMMIT DROP`);

      const progress = options.onProgress ? setInterval(() => options.onProgress!(state.rows), 200) : null;
      try {
        await pipeline(input, recordParser(format), copyEncoder(kind, format, state), client.query(copyFrom(copySql(kind))));
      } finally {
        if (progress) clearInterval(progress);
      }
      options.onProgress?.(state.rows);
      options.onStaged?.(state.rows);
      lap('read');
      report.rows = state.rows;
      report.ignoredColumns = state.plan?.ignored ?? [];

      if (state.plan && state.plan.missing.length > 0) {
        report.errors = state.plan.missing.map((c) => ({ line: 1, column: c.name, reason: 'missing required column' }));
        report.errorRows = report.rows;
        await qr.rollbackTransaction();
        return this.finish(report, started);
      }

      // A coarse sample plans the checks and the merge as well (row count, nulls, distinct values):
      // a tenth of the default target, a fifth of the time (1,000,000 staged rows: 111-168 -> 22 ms).
      await em.query(`SET LOCAL default_statistics_target = 10; ANALYZE import_row; SET LOCAL default_statistics_target TO DEFAULT`);
      const createCustomers = kind === 'purchases' && options.createCustomers === true;
      await this.checkValues(em, kind, createCustomers);
      for (const sql of duplicateChecksSql(kind)) await em.query(sql);
      const [{ n }] = await em.query(`SELECT count(DISTINCT line)::int AS n FROM import_error`);
      report.errorRows = n;
      report.errors = (
        await em.query(
          `SELECT line::int, col, reason FROM import_error ORDER BY line, col NULLS FIRST, reason LIMIT ${MAX_REPORTED_ERRORS}`,
        )
      ).map((r: { line: number; col: string | null; reason: string }) => ({ line: r.line, column: r.col, reason: r.reason }));
      lap('check');
      if (report.errorRows > maxErrors) {
        await qr.rollbackTransaction();
        return this.finish(report, started);
      }

      const now = this.clock.now();
      const valid = report.errorRows === 0 ? 'true' : 'NOT EXISTS (SELECT 1 FROM import_error e WHERE e.line = s.line)';
      if (report.errorRows > 0) await em.query(`CREATE INDEX ON import_error (line)`);
      // The merge and the stage moves join the customers created here: the insert trigger has
      // refreshed customer's statistics when they grew it much (analyze_if_grown, migration BulkInsertStatistics).
      if (createCustomers) report.customersCreated = await this.createMissingCustomers(em, valid, now);
      const merged = await this.merge(em, kind, valid, now);
      report.inserted = merged.inserted;
      report.updated = merged.updated;
      report.customersCreated += merged.customersCreated;
      report.skipped = report.rows - report.errorRows - report.inserted - report.updated;
      lap('merge');
      if (merged.moves) report.stageChanges = await this.applyMoves(em, merged.moves, now, report.customersCreated > 0);
      // After the moves: their customer locks come before the outbox counter lock this takes.
      if (report.customersCreated > 0) report.stageChanges += await this.recordBornMoves(em, now);
      if (kind === 'purchases') await this.updateLastPurchases(em, now);
      if (kind === 'purchases')
        // Re-scoring needs a current model; without one there is nothing to refresh (and no list to hold).
        touched = (
          await em.query(
            `SELECT customer_id::text AS id FROM import_touched WHERE EXISTS (SELECT 1 FROM churn_model WHERE is_current) ORDER BY 1`,
          )
        ).map((r: { id: string }) => r.id);

      await recordEvents(em, [
        {
          type: CustomerEventType.IMPORT_COMPLETED,
          customerId: null,
          occurredAt: now,
          payload: {
            kind,
            format,
            rows: report.rows,
            inserted: report.inserted,
            updated: report.updated,
            skipped: report.skipped,
            errors: report.errorRows,
            customersCreated: report.customersCreated,
            stageChanges: report.stageChanges,
          },
        },
      ]);
      await qr.commitTransaction();
      lap('moves');
      report.committed = true;
    } catch (err) {
      if (qr.isTransactionActive) await qr.rollbackTransaction().catch(() => undefined);
      throw err;
    } finally {
      await qr.release();
    }
    if (touched.length) for (const listener of this.purchaseListeners) listener(touched);
    return this.finish(report, started);
  }

  /**
   * The value checks into import_error. First with casts alone (one parse per value, under a
   * savepoint): a file without an unparsable value, the usual case, is done then. Otherwise that
   * statement fails on the first such value and the full checks (pg_input_is_valid, then the
   * value: two parses) run instead to name every bad value; same rows either way.
   */
  private async checkValues(em: EntityManager, kind: ImportKind, createCustomers: boolean): Promise<void> {
    await withFallback(
      em,
      'import_casts',
      () => em.query(valueChecksSql(kind, { createCustomers, castsOnly: true })),
      // Class 22, data exception: invalid text, datetime or numeric overflow. Anything else is a real failure.
      (err) => sqlState(err).startsWith('22'),
      () => em.query(valueChecksSql(kind, { createCustomers })),
    );
  }

  private finish(report: ImportReport, started: number): ImportReport {
    report.durationMs = Math.round(performance.now() - started);
    if (!report.committed) {
      report.inserted = 0;
      report.updated = 0;
      report.skipped = 0;
      report.stageChanges = 0;
      report.customersCreated = 0;
    }
    return report;
  }

  /**
   * createCustomers: one customer (named by the externalId) per unknown externalId of a good row.
   * Runs after the checks (which let unknown externalIds through), so a customer is created only
   * for rows that are imported. Each is created as it will be after the merge, so the merge never
   * rewrites it (a customer row update costs every index of the table): with its
   * `last_purchase_at` from those rows, and already in the stage its first purchase moves an
   * IDENTIFIED customer to. Its history still tells both steps: "Imported." as IDENTIFIED here,
   * then the first-purchase move with its STAGE_CHANGED event (recordBornMoves, after the moves).
   */
  private async createMissingCustomers(em: EntityManager, valid: string, now: Date): Promise<number> {
    await em.query(CREATE_IMPORT_CREATED);
    const [{ n }] = await em.query(
      `WITH missing AS (
         SELECT s.customer_external_id AS external_id,
                -- A row whose sourceId is stored already is skipped by the merge: it does not count.
                max(CASE WHEN s.source_id IS NULL OR NOT EXISTS (SELECT 1 FROM purchase p WHERE p.source_id = s.source_id)
                         THEN s.occurred_at::timestamptz END) AS last_at
         FROM import_row s
         WHERE ${valid} AND NOT EXISTS (SELECT 1 FROM customer c WHERE c.external_id = s.customer_external_id)
         GROUP BY 1
       ), created AS (
         INSERT INTO customer (external_id, name, stage, stage_entered_at, last_purchase_at)
         -- No purchase of theirs is new (all stored already): no first purchase either.
         SELECT external_id, external_id, CASE WHEN last_at IS NULL THEN $2 ELSE $3 END, $1, last_at FROM missing ORDER BY external_id
         ON CONFLICT (external_id) DO NOTHING RETURNING id, stage
       ), kept AS (
         INSERT INTO import_created (id, stage, moved_to) SELECT id, $2, NULLIF(stage, $2) FROM created
       )
       SELECT count(*)::int AS n FROM created`,
      [now, LifecycleStage.IDENTIFIED, automaticMove(FIRST_PURCHASE_MOVE.trigger, LifecycleStage.IDENTIFIED)],
    );
    await this.createdHistory(em, now);
    return n;
  }

  /**
   * The first-purchase move of the customers createMissingCustomers created in their moved stage:
   * history rows and STAGE_CHANGED events, as if moved by the stage machine. Those customers are
   * this transaction's own, so their foreign-key checks can be skipped. Returns how many.
   */
  private async recordBornMoves(em: EntityManager, now: Date): Promise<number> {
    const [{ moved }]: { moved: number }[] = await withReferencesChecked(
      em,
      { tables: ['stage_change', 'customer_event', 'event_counter'] },
      () =>
        em.query(
          `WITH born AS (
           SELECT id AS customer_id, stage AS from_stage, moved_to AS to_stage, $1::text AS reason, $2::text AS trigger
           FROM import_created WHERE moved_to IS NOT NULL
         ), ${stageHistoryCtes('born', '$3::timestamptz')}
         SELECT (SELECT count(*) FROM changes)::int AS moved, ${OUTBOX_NOTIFY_COLUMNS}`,
          [FIRST_PURCHASE_MOVE.reason, FIRST_PURCHASE_MOVE.trigger, now],
        ),
    );
    return moved;
  }

  private async merge(em: EntityManager, kind: ImportKind, valid: string, now: Date): Promise<MergeResult> {
    switch (kind) {
      case 'customers':
        return this.mergeCustomers(em, valid, now);
      case 'purchases':
        return this.mergePurchases(em, valid);
      case 'touchpoints':
        return this.mergeTouchpoints(em, valid);
      case 'referrals':
        return this.mergeReferrals(em, valid, now);
    }
  }

  /**
   * Upsert on external_id. An empty value leaves the stored one as it is; a customer whose
   * values are all the same is not touched (counted as skipped). New customers start in the
   * file's stage (default IDENTIFIED), with their first stage-history row.
   */
  private async mergeCustomers(em: EntityManager, valid: string, now: Date): Promise<MergeResult> {
    await em.query(CREATE_IMPORT_CREATED);
    const [r] = await em.query(
      `WITH src AS (
         SELECT s.external_id, s.name, s.email, s.phone, p.id AS persona_id, COALESCE(upper(s.stage), 'IDENTIFIED') AS stage
         FROM import_row s LEFT JOIN persona p ON p.name = s.persona
         WHERE ${valid}
       ), up AS (
         INSERT INTO customer AS c (external_id, name, email, phone, persona_id, stage, stage_entered_at)
         SELECT external_id, name, email, phone, persona_id, stage, $1 FROM src
         ON CONFLICT (external_id) DO UPDATE SET
           name = EXCLUDED.name,
           email = COALESCE(EXCLUDED.email, c.email),
           phone = COALESCE(EXCLUDED.phone, c.phone),
           persona_id = COALESCE(EXCLUDED.persona_id, c.persona_id),
           updated_at = $1
         WHERE (c.name, c.email, c.phone, c.persona_id) IS DISTINCT FROM
               (EXCLUDED.name, COALESCE(EXCLUDED.email, c.email), COALESCE(EXCLUDED.phone, c.phone), COALESCE(EXCLUDED.persona_id, c.persona_id))
         RETURNING c.id, c.stage, (xmax = 0) AS inserted
       ), created AS (
         INSERT INTO import_created (id, stage) SELECT id, stage FROM up WHERE inserted
       )
       SELECT count(*) FILTER (WHERE inserted)::int AS inserted, count(*) FILTER (WHERE NOT inserted)::int AS updated FROM up`,
      [now],
    );
    await this.createdHistory(em, now);
    return { inserted: r.inserted, updated: r.updated, customersCreated: 0, moves: null };
  }

  /**
   * New purchases (a sourceId already stored is skipped), holdings opened for the products
   * bought, and the touched customers with whether they had bought before, into import_touched.
   * All sub-statements see the snapshot from before the insert, so `had_before` is exact.
   *
   * Stored sourceIds are skipped by an anti-join and the insert is a plain INSERT: ON CONFLICT's
   * speculative insertion costs one more index probe and WAL record a row. The unique index stays
   * the guarantee: a sourceId a concurrent import committed after this snapshot fails the plain
   * insert, and the statement then runs again with ON CONFLICT DO NOTHING (under a savepoint),
   * which skips it as before.
   */
  private async mergePurchases(em: EntityManager, valid: string): Promise<MergeResult> {
    await em.query(
      `CREATE TEMP TABLE import_touched (customer_id bigint PRIMARY KEY, first_at timestamptz, last_at timestamptz, had_before boolean) ON COMMIT DROP`,
    );
    const [{ inserted }] = await withReferencesChecked(em, { tables: ['purchase', 'holding'] }, () =>
      withFallback(
        em,
        'import_purchases',
        () => em.query(mergePurchasesSql(valid, false)),
        (err) => isUniqueViolation(err, 'purchase_source_id_key'),
        () => em.query(mergePurchasesSql(valid, true)),
      ),
    );
    // A referred customer's first purchase converts the referral; a back-dated import can move it earlier.
    await em.query(
      `UPDATE referral r SET converted_at = t.first_at FROM import_touched t
       WHERE r.referred_id = t.customer_id AND (r.converted_at IS NULL OR r.converted_at > t.first_at)`,
    );
    return {
      inserted,
      updated: 0,
      customersCreated: 0,
      moves: {
        ...FIRST_PURCHASE_MOVE,
        elseTrigger: { trigger: StageChangeTrigger.PURCHASE_AFTER_LAPSE, reason: 'Bought again after a lapse.' },
        lastPurchaseAt: true,
      },
    };
  }

  /**
   * The first stage-history row of each customer in import_created. Those customers were
   * created by this transaction (no other can see, let alone delete, them before it commits),
   * so their foreign-key checks can be skipped (withReferencesChecked).
   */
  private async createdHistory(em: EntityManager, now: Date): Promise<void> {
    await withReferencesChecked(em, { tables: ['stage_change'] }, () =>
      em.query(
        `INSERT INTO stage_change (customer_id, from_stage, to_stage, reason, trigger, occurred_at)
         SELECT id, NULL, stage, 'Imported.', 'MANUAL', $1 FROM import_created ORDER BY id`,
        [now],
      ),
    );
  }

  private async mergeTouchpoints(em: EntityManager, valid: string): Promise<MergeResult> {
    const [{ inserted }] = await em.query(
      `WITH ins AS (
         INSERT INTO touchpoint (customer_id, channel, direction, occurred_at, campaign, product_id, response, note, source_id)
         SELECT c.id, upper(s.channel), upper(s.direction), s.occurred_at::timestamptz, s.campaign, p.id,
                COALESCE(upper(s.response), 'NO_RESPONSE'), s.note, s.source_id
         FROM import_row s JOIN customer c ON c.external_id = s.customer_external_id LEFT JOIN product p ON p.sku = s.product_sku
         WHERE ${valid}
         ON CONFLICT (source_id) WHERE source_id IS NOT NULL DO NOTHING
         RETURNING 1
       )
       SELECT count(*)::int AS inserted FROM ins`,
    );
    return { inserted, updated: 0, customersCreated: 0, moves: null };
  }

  /** New referrals (a referred customer already referred by the same referrer is skipped); converted if the referred has bought. */
  private async mergeReferrals(em: EntityManager, valid: string, now: Date): Promise<MergeResult> {
    await em.query(`CREATE TEMP TABLE import_touched (customer_id bigint PRIMARY KEY, had_before boolean) ON COMMIT DROP`);
    const [{ inserted }] = await em.query(
      `WITH ins AS (
         INSERT INTO referral (referrer_id, referred_id, source_channel, created_at, converted_at)
         SELECT a.id, b.id, upper(s.source_channel), COALESCE(s.created_at::timestamptz, $1),
                (SELECT min(p.occurred_at) FROM purchase p WHERE p.customer_id = b.id)
         FROM import_row s
         JOIN customer a ON a.external_id = s.referrer_external_id
         JOIN customer b ON b.external_id = s.referred_external_id
         WHERE ${valid}
         ON CONFLICT (referred_id) DO NOTHING
         RETURNING referrer_id
       ), touched AS (
         INSERT INTO import_touched (customer_id, had_before)
         SELECT DISTINCT i.referrer_id, EXISTS (SELECT 1 FROM referral r WHERE r.referrer_id = i.referrer_id) FROM ins i
       )
       SELECT count(*)::int AS inserted FROM ins`,
      [now],
    );
    return {
      inserted,
      updated: 0,
      customersCreated: 0,
      moves: { trigger: StageChangeTrigger.FIRST_REFERRAL, reason: 'Made a first referral.' },
    };
  }

  /**
   * The automatic stage moves the merge causes, through the stage machine (history rows and
   * STAGE_CHANGED events), set-based in two statements (lifecycle's applyAutomaticMovesInSql:
   * customers locked in id order, then moved). `trigger` applies to customers with nothing before
   * (had_before false), `elseTrigger` to every customer; the first that fits moves them.
   */
  private async applyMoves(
    em: EntityManager,
    moves: NonNullable<MergeResult['moves']>,
    now: Date,
    customersCreated: boolean,
  ): Promise<number> {
    // Purchases: the moved customers take their new last purchase in the move's row update.
    const lastAt = moves.lastPurchaseAt ? ', t.last_at' : '';
    // Customers created by this import are born past their first purchase (createMissingCustomers)
    // and no rule moves them again: not probing them spares the lock statement a lookup each.
    const touched = customersCreated
      ? `import_touched t WHERE NOT EXISTS (SELECT 1 FROM import_created k WHERE k.id = t.customer_id)`
      : `import_touched t WHERE true`;
    const first = `SELECT t.customer_id, 1 AS rank, $1::text AS trigger, $2::text AS reason${lastAt} FROM ${touched} AND NOT t.had_before`;
    const orElse = `SELECT t.customer_id, 2 AS rank, $3::text AS trigger, $4::text AS reason${lastAt} FROM ${touched}`;
    return applyAutomaticMovesInSql(
      em,
      moves.elseTrigger
        ? {
            sql: `${first} UNION ALL ${orElse}`,
            params: [moves.trigger, moves.reason, moves.elseTrigger.trigger, moves.elseTrigger.reason],
            lastPurchaseAt: moves.lastPurchaseAt,
          }
        : { sql: first, params: [moves.trigger, moves.reason], lastPurchaseAt: moves.lastPurchaseAt },
      now,
    );
  }

  /**
   * After the moves: the touched customers whose last purchase is still older than the import's
   * (those the moves did not write) get it. The purchase insert locked them already.
   */
  private async updateLastPurchases(em: EntityManager, now: Date): Promise<void> {
    await em.query(
      `UPDATE customer c SET last_purchase_at = GREATEST(c.last_purchase_at, t.last_at), updated_at = $1
       FROM import_touched t WHERE c.id = t.customer_id AND c.last_purchase_at IS DISTINCT FROM GREATEST(c.last_purchase_at, t.last_at)`,
      [now],
    );
  }
}

/**
 * ImportService.mergePurchases' statement. `onConflict`: skip a sourceId that turns up stored
 * after the anti-join (a concurrent import's) instead of failing on it.
 */
function mergePurchasesSql(valid: string, onConflict: boolean): string {
  return `WITH cust AS MATERIALIZED (
     -- The customers the good rows name, locked in id order (like every writer) before any
     -- write. NO KEY UPDATE: the last-purchase update needs it, and it keeps the rows from
     -- being deleted or re-keyed until commit (what the foreign-key check would lock for).
     -- The insert takes its ids from this set, so every id it writes is a locked row.
     SELECT c.id, c.external_id FROM customer c
     WHERE c.external_id IN (SELECT s.customer_external_id FROM import_row s WHERE ${valid})
     ORDER BY c.id FOR NO KEY UPDATE
   ), prod AS MATERIALIZED (
     SELECT p.id, p.sku FROM product p WHERE p.sku IN (SELECT s.product_sku FROM import_row s WHERE ${valid})
     ORDER BY p.id FOR KEY SHARE
   ), ins AS (
     INSERT INTO purchase (customer_id, product_id, occurred_at, quantity, amount, source_id)
     SELECT c.id, p.id, s.occurred_at::timestamptz, COALESCE(s.quantity::int4, 1), s.amount::numeric(14,2), s.source_id
     FROM import_row s JOIN cust c ON c.external_id = s.customer_external_id LEFT JOIN prod p ON p.sku = s.product_sku
     WHERE ${valid} AND NOT EXISTS (SELECT 1 FROM purchase x WHERE x.source_id = s.source_id)
     -- In (customer_id, occurred_at) order: that index's inserts then go to neighbouring leaf
     -- pages instead of random ones (ties in file order).
     ORDER BY c.id, s.occurred_at::timestamptz, s.line
     ${onConflict ? 'ON CONFLICT (source_id) WHERE source_id IS NOT NULL DO NOTHING' : ''}
     RETURNING customer_id, product_id, occurred_at
   ), holdings AS (
     INSERT INTO holding (customer_id, product_id, since, status)
     SELECT customer_id, product_id, min(occurred_at), 'ACTIVE' FROM ins WHERE product_id IS NOT NULL GROUP BY 1, 2
     ON CONFLICT (customer_id, product_id) DO UPDATE
       SET status = 'ACTIVE', closed_at = NULL,
           since = CASE WHEN holding.status = 'CLOSED' THEN EXCLUDED.since ELSE LEAST(holding.since, EXCLUDED.since) END
   ), touched AS (
     INSERT INTO import_touched (customer_id, first_at, last_at, had_before)
     SELECT i.customer_id, min(i.occurred_at), max(i.occurred_at), EXISTS (SELECT 1 FROM purchase p WHERE p.customer_id = i.customer_id)
     FROM ins i GROUP BY i.customer_id
   )
   SELECT count(*)::int AS inserted FROM ins`;
}
