/**
 * Fitting and scoring. `fit` learns BG/NBD and Gamma-Gamma parameters from the purchase log,
 * stores them as a new `churn_model`, scores every customer into `customer_score` in batches,
 * and then makes the new model current in one transaction, so readers never see a half-scored
 * model. `rescore` re-scores a few customers with the current model (after new purchases).
 *
 * Stage moves: a customer whose risk level rises into HIGH or CRITICAL (from LOW, MEDIUM or
 * no score) goes through the stage machine with StageChangeTrigger.CHURN_RISK, which moves active
 * customers to AT_RISK and writes the history row and STAGE_CHANGED event. For a full fit this
 * happens when the model is activated, comparing against the previous model's levels.
 */
import { performance } from 'node:perf_hooks';
import type { DataSource, EntityManager } from 'typeorm';
import { fitBgNbd, fitGammaGamma, assignValueTiers, type RfmSummary, type SpendSummary } from '../../analytics';
import { isHighRisk } from '../../analytics/churn-risk';
import { createScorer, tierFromCutoffs, type CustomerScoreResult, type ScoringModel } from '../../analytics/scoring';
import { copyRows } from '../../db/copy';
import type { BinaryRows, BinaryType } from '../../db/copy-binary';
import { StageChangeTrigger } from '../lifecycle/stages';
import { analyzeStale } from '../../db/statistics';
import { inTransaction } from '../../db/transaction';
import { badInput, conflict } from '../../shared/errors';
import { sqlState } from '../../shared/pg-errors';
import type { Clock } from '../../shared/clock';
import type { Logger } from '../../shared/logger';
import { inLanes } from '../../shared/lanes';
import { applyAutomaticMovesInSql } from '../lifecycle/lifecycle.service';
import {
  dayNumber,
  calibrationRowsOf,
  isoDay,
  loadCalibrationSummaries,
  loadScoringInputs,
  purchasedLaterThatDay,
  purchasingCustomerIds,
  snapshotHoldingStats,
  type CalibrationRow,
  type ScoringInput,
} from './analytics.data';
import { ChurnModel, CustomerScore, type StoredRiskDetail } from './analytics.entity';
import { ChurnModelTimeUnit, TIME_UNIT_DAYS } from './analytics.enums';

/** Months of future purchases that expected purchases, expected spend and CLV cover. */
export const DEFAULT_HORIZON_MONTHS = 12;
/** Monthly discount rate of the CLV (1 % a month ≈ 12.7 % a year). */
export const DEFAULT_DISCOUNT_RATE_PER_MONTH = 0.01;
/** Customers read per scoring statement (a range of ids; the scores themselves are written in one COPY). */
export const SCORING_BATCH_SIZE = 10_000;
/** Scoring batches a fit reads at once. */
const READS_IN_FLIGHT = 2;
/** Stage moves per transaction after a fit. */
export const MOVE_BATCH_SIZE = 2000;
/** Move transactions a fit runs at once (one per core of the database; see scoreAndActivate). */
const MOVES_IN_FLIGHT = 2;
/** The tables scoring reads: their planner statistics are refreshed before a fit when stale. */
const SCORED_TABLES = ['purchase', 'holding', 'touchpoint', 'customer'];

/** A customer whose risk level just rose into HIGH or CRITICAL. */
interface Crossing {
  id: string;
  level: string;
  score: number;
}
const EARLIEST_CALIBRATION_DAY = dayNumber(new Date(Date.UTC(1900, 0, 1)));
// One key for the whole database: two fits at once would race to activate.
const FIT_LOCK_KEY = 'customer-graph:churn-model-fit';

export interface FitInput {
  /** Last day of the calibration period (its UTC day, inclusive); default today. */
  calibrationEnd?: Date | null;
  timeUnit?: ChurnModelTimeUnit | null;
}

export type FitPhase = 'reading' | 'fitting' | 'scoring' | 'ranking' | 'activating' | 'moving';
export type FitProgress = (phase: FitPhase, done: number, total: number) => void;

export interface FitResult {
  model: ChurnModel;
  scoredCustomers: number;
  movedToAtRisk: number;
}

export interface ChurnModelServiceOptions {
  log?: Logger;
  horizonMonths?: number;
  discountRatePerMonth?: number;
  batchSize?: number;
  /** Stage moves per transaction after a fit (default {@link MOVE_BATCH_SIZE}); tests make it small to run many batches. */
  moveBatchSize?: number;
}

/** The scorer's view of a stored model. */
export function scoringModelOf(m: ChurnModel): ScoringModel {
  return {
    bgnbd: { r: m.bgnbdR, alpha: m.bgnbdAlpha, a: m.bgnbdA, b: m.bgnbdB },
    gammaGamma: { p: m.ggP, q: m.ggQ, gamma: m.ggGamma },
    timeUnitDays: TIME_UNIT_DAYS[m.timeUnit],
    typicalGapDays: m.typicalGapDays,
    horizonMonths: m.horizonMonths,
    discountRatePerMonth: m.discountRatePerMonth,
  };
}

const money = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : '0.00');

function median(values: number[]): number {
  const sorted = values.slice().sort((u, v) => u - v);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** PostgreSQL's short names for the column types the score entity uses (TypeORM writes `double precision`, `integer`, `bigint`). */
const SQL_TYPE: Record<string, string> = { 'double precision': 'float8', integer: 'int4', bigint: 'int8' };

/**
 * The columns of `customer_score` below its key, read from the entity's
 * metadata: their names and `name type` for `jsonb_to_recordset`. One source
 * for the score columns, the entity.
 */
function scoreColumns(em: EntityManager): { names: string[]; types: string[]; columns: string[] } {
  const cols = em.connection.getMetadata(CustomerScore).columns.filter((c) => !c.isPrimary);
  const types = cols.map((c) => `${SQL_TYPE[String(c.type)] ?? String(c.type)}${c.isArray ? '[]' : ''}`);
  return { names: cols.map((c) => c.databaseName), types, columns: cols.map((c, i) => `${c.databaseName} ${types[i]}`) };
}

/** The tier columns, written after the ranking (a full fit) or from the cut-offs (a re-score). */
const TIER_COLUMNS: readonly (readonly [column: string, type: BinaryType])[] = [
  ['value_tier', 'text'],
  ['value_rank', 'int4'],
];

/** What one customer's score row is made of. */
interface ScoreRowSource {
  input: ScoringInput;
  r: CustomerScoreResult;
  scoredAt: Date;
}

/**
 * The stored risk explanation: what the code cannot rebuild, by position (kinds in STORED_RISK_KINDS order,
 * as assessChurnRisk lists them; factors in FACTOR_DESCRIPTIONS order). Against the keyed JSON it replaced:
 * 481 bytes stored instead of 1,071 on CDNOW, and 2.1 instead of 7.3 µs to build and stringify per customer.
 */
const riskDetail = (r: CustomerScoreResult): StoredRiskDetail => ({
  e: r.risk.kinds.map((k) => k.explanation),
  f: r.risk.factors.map((f) => [f.value, f.contribution]),
});

/**
 * The score columns below the key and tiers, each with its type and value: what a full fit COPYs (the
 * tier columns follow after the ranking) and a re-score writes. Checked once against the entity's
 * columns, names and types ({@link checkCopyColumns}): a binary COPY takes each value in exactly its
 * column's type.
 */
const SCORE_FIELDS: readonly (readonly [column: string, type: BinaryType, value: (s: ScoreRowSource) => unknown])[] = [
  ['scored_at', 'timestamptz', (s) => s.scoredAt],
  ['frequency', 'int4', (s) => s.r.frequency],
  ['recency', 'float8', (s) => s.r.recency],
  ['age', 'float8', (s) => s.r.age],
  ['monetary_value', 'float8', (s) => s.r.monetaryValue],
  ['purchase_days', 'int4', (s) => s.input.features.purchaseDays],
  ['total_spend', 'numeric', (s) => s.input.totalSpendText],
  ['first_purchase_at', 'timestamptz', (s) => s.input.firstPurchaseAt],
  ['last_purchase_at', 'timestamptz', (s) => s.input.lastPurchaseAt],
  ['probability_alive', 'float8', (s) => s.r.probabilityAlive],
  ['expected_purchases', 'float8', (s) => s.r.expectedPurchases],
  ['expected_average_spend', 'numeric', (s) => money(s.r.expectedAverageSpend)],
  ['expected_spend', 'numeric', (s) => money(s.r.expectedSpend)],
  ['predicted_value', 'numeric', (s) => money(s.r.predictedValue)],
  ['risk_score', 'float8', (s) => s.r.risk.score],
  ['risk_level', 'text', (s) => s.r.risk.level],
  ['account_churn', 'float8', (s) => s.r.risk.kinds[0]!.score],
  ['product_churn', 'float8', (s) => s.r.risk.kinds[1]!.score],
  ['decreased_spend', 'float8', (s) => s.r.risk.kinds[2]!.score],
  ['risk_detail', 'json', (s) => riskDetail(s.r)],
  ['evidence_touchpoint_ids', 'int8[]', (s) => s.input.evidenceTouchpointIds],
  ['reactivation_score', 'float8', (s) => s.r.reactivation.score],
  ['comeback_probability', 'float8', (s) => s.r.reactivation.comebackProbability],
  ['value_if_reactivated', 'numeric', (s) => money(s.r.reactivation.valueIfReactivated)],
  ['reactivation_reasons', 'text[]', (s) => s.r.reactivation.reasons],
];

/** The columns a full fit COPYs, in order: the key, the score fields, the tiers. */
const COPY_COLUMNS = ['model_id', 'customer_id', ...SCORE_FIELDS.map(([column]) => column), ...TIER_COLUMNS.map(([column]) => column)];

let copyColumnsChecked = false;
function checkCopyColumns(em: EntityManager): void {
  if (copyColumnsChecked) return;
  const expected = [...SCORE_FIELDS, ...TIER_COLUMNS]
    .map(([column, type]) => `${column} ${type}`)
    .sort()
    .join(', ');
  const actual = scoreColumns(em).columns.slice().sort().join(', ');
  if (expected !== actual) throw new Error(`The fit's COPY columns (${expected}) do not match customer_score's (${actual}).`);
  copyColumnsChecked = true;
}

/** One customer's full `customer_score` row, in the order of {@link COPY_COLUMNS}. */
function writeScoreRow(out: BinaryRows, modelId: string, s: ScoreRowSource, tier: string, rank: number): void {
  out.row(COPY_COLUMNS.length);
  out.int8(modelId);
  out.int8(s.r.customerId);
  for (const [, type, value] of SCORE_FIELDS) out.value(type, value(s));
  out.text(tier);
  out.int4(rank);
}

/** One customer's `customer_score` row below its key, by column name (a re-score writes it with jsonb_to_recordset). */
function scoreRecord(s: ScoreRowSource, tier: string | null): Record<string, unknown> {
  const record: Record<string, unknown> = { value_tier: tier, value_rank: null };
  for (const [column, , value] of SCORE_FIELDS) record[column] = value(s);
  return record;
}

/** A model's own partition of customer_score (migration 1764075500000-ScorePartitions); ids are digits. */
const scoreTable = (modelId: string) => `customer_score_${BigInt(modelId)}`;

/**
 * customer_score's key and indexes, built on a fit's table once its rows are in: one sort each instead
 * of an index insertion per row. ATTACH adopts them as partitions of the parent's (and would build any
 * index missing here, so a new index on customer_score only costs time until it is added). No parallel
 * workers: for a table this size starting them costs more than they save (the four builds of 23,570
 * scores took 357-413 ms with them, 191-290 ms without: the same rows copied and indexed, interleaved, on
 * two busy cores).
 */
const scoreIndexes = (table: string) =>
  [
    `SET LOCAL max_parallel_maintenance_workers = 0`,
    `ALTER TABLE ${table} ADD PRIMARY KEY (model_id, customer_id)`,
    `CREATE INDEX ON ${table} (customer_id)`,
    `CREATE INDEX ON ${table} (model_id, reactivation_score DESC, customer_id DESC)`,
    `CREATE INDEX ON ${table} (model_id, predicted_value DESC, customer_id)`,
  ].join('; ');

/** How long DDL on the score tables may queue for a lock before it gives way (and retries) instead of stalling others behind it. */
const DDL_LOCK_TIMEOUT_MS = 100;
/** PostgreSQL's lock_not_available, what lock_timeout raises. */
const LOCK_NOT_AVAILABLE = '55P03';
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class ChurnModelService {
  private readonly pending = new Set<Promise<unknown>>();
  /** Customers re-scored in the background while a fit runs here; re-scored again after activation. */
  private touchedDuringFit: Set<string> | null = null;
  private readonly horizonMonths: number;
  private readonly discountRate: number;
  private readonly batchSize: number;
  private readonly moveBatchSize: number;

  constructor(
    private readonly ds: DataSource,
    private readonly clock: Clock,
    private readonly options: ChurnModelServiceOptions = {},
  ) {
    this.horizonMonths = options.horizonMonths ?? DEFAULT_HORIZON_MONTHS;
    this.discountRate = options.discountRatePerMonth ?? DEFAULT_DISCOUNT_RATE_PER_MONTH;
    this.batchSize = options.batchSize ?? SCORING_BATCH_SIZE;
    this.moveBatchSize = options.moveBatchSize ?? MOVE_BATCH_SIZE;
  }

  /** The model scores currently come from, or null before the first fit. One statement. */
  current(em: EntityManager = this.ds.manager): Promise<ChurnModel | null> {
    return em.getRepository(ChurnModel).findOneBy({ isCurrent: true });
  }

  /**
   * Fits both models on purchases up to the calibration end, stores them, scores every customer
   * with a purchase (as of now, using all purchases to date), ranks value tiers, and makes the
   * new model current. Bad input writes nothing.
   *
   * Errors (all BAD_USER_INPUT on `input.calibrationEnd` unless noted): calibration end in the
   * future or before 1900; no purchases up to it; no repeat purchases; a fit that does not
   * converge. CONFLICT when another fit is running.
   */
  async fit(input: FitInput, onProgress: FitProgress = () => undefined): Promise<FitResult> {
    const started = this.clock.now();
    const timeUnit = input.timeUnit ?? ChurnModelTimeUnit.WEEKS;
    const unitDays = TIME_UNIT_DAYS[timeUnit];
    const today = dayNumber(started);
    const endDay = input.calibrationEnd ? dayNumber(input.calibrationEnd) : today;
    if (!Number.isFinite(endDay)) throw badInput('input.calibrationEnd', 'calibrationEnd is not a valid date.');
    if (endDay > today) {
      throw badInput(
        'input.calibrationEnd',
        `The calibration end ${isoDay(endDay)} is in the future. The models learn from purchases that have happened: use today (${isoDay(today)}) or an earlier day.`,
      );
    }
    if (endDay < EARLIEST_CALIBRATION_DAY)
      throw badInput('input.calibrationEnd', `The calibration end ${isoDay(endDay)} is before 1900; check the date.`);

    const lock = this.ds.createQueryRunner();
    await lock.connect();
    try {
      const [{ locked }] = await lock.query(`SELECT pg_try_advisory_lock(hashtext($1)) AS locked`, [FIT_LOCK_KEY]);
      if (!locked) throw conflict('input', 'Another churn-model fit is running. Wait for it to finish, then try again.');
      try {
        return await this.fitLocked(endDay, timeUnit, unitDays, onProgress);
      } finally {
        this.touchedDuringFit = null;
        await lock.query(`SELECT pg_advisory_unlock(hashtext($1))`, [FIT_LOCK_KEY]);
      }
    } finally {
      await lock.release();
    }
  }

  private async fitLocked(endDay: number, timeUnit: ChurnModelTimeUnit, unitDays: number, onProgress: FitProgress): Promise<FitResult> {
    onProgress('reading', 0, 1);
    // Database time, the clock purchase.recorded_at is stamped with. A purchase transaction that
    // began before this instant but commits during scoring is caught by touchedDuringFit instead.
    const [{ since }] = await this.ds.query(`SELECT clock_timestamp() AS since`);
    this.touchedDuringFit = new Set();
    await this.refreshStaleStatistics();
    const asOf = this.clock.now();
    const { rows, inputs } = await this.readCalibration(endDay, asOf);
    onProgress('reading', 1, 1);
    const field = 'input.calibrationEnd';
    if (rows.length === 0) {
      throw badInput(
        field,
        `There are no purchases on or before ${isoDay(endDay)}, so there is nothing to fit. Record purchases first, or choose a later calibration end.`,
      );
    }
    const repeaters = rows.filter((r) => r.x > 0);
    if (repeaters.length === 0) {
      throw badInput(
        field,
        `None of the ${rows.length} customers who bought on or before ${isoDay(endDay)} bought again on a later day, so the models cannot learn how often customers come back. Choose a later calibration end or wait for repeat purchases.`,
      );
    }

    onProgress('fitting', 0, 2);
    const t0 = performance.now();
    const summaries: RfmSummary[] = rows.map((r) => ({ frequency: r.x, recency: r.recencyDays / unitDays, T: r.ageDays / unitDays }));
    const spend: SpendSummary[] = rows.map((r) => ({ frequency: r.x, monetaryValue: r.x > 0 ? r.repeatSpend / r.x : 0 }));
    const bg = fitBgNbd(summaries);
    onProgress('fitting', 1, 2);
    let gg: ReturnType<typeof fitGammaGamma>;
    try {
      gg = fitGammaGamma(spend);
    } catch {
      throw badInput(field, `No repeat purchase up to ${isoDay(endDay)} has a positive amount, so the spend model cannot be fitted.`);
    }
    const fitMs = performance.now() - t0;
    onProgress('fitting', 2, 2);
    if (!bg.converged || !gg.converged || !(gg.params.q > 1)) {
      throw badInput(
        field,
        `The purchase models could not be fitted reliably on the ${rows.length} customers up to ${isoDay(endDay)} (${repeaters.length} repeat buyers). A longer calibration period with more repeat purchases usually fixes this.`,
        { bgnbdConverged: bg.converged, gammaGammaConverged: gg.converged },
      );
    }

    // Score tables of retired models whose drop gave way to readers, or of a run that died.
    await this.dropRetiredScoreTables();
    const repo = this.ds.getRepository(ChurnModel);
    const model = await repo.save(
      repo.create({
        calibrationEnd: isoDay(endDay),
        timeUnit,
        bgnbdR: bg.params.r,
        bgnbdAlpha: bg.params.alpha,
        bgnbdA: bg.params.a,
        bgnbdB: bg.params.b,
        bgnbdLogLikelihood: bg.logLikelihood,
        bgnbdIterations: bg.iterations,
        ggP: gg.params.p,
        ggQ: gg.params.q,
        ggGamma: gg.params.gamma,
        ggLogLikelihood: gg.logLikelihood,
        ggIterations: gg.iterations,
        ggCustomerCount: gg.customers,
        customerCount: rows.length,
        repeatCustomerCount: repeaters.length,
        transactionCount: rows.reduce((s, r) => s + r.x + 1, 0),
        holdingCustomerCount: 0,
        typicalGapDays: Math.max(1, median(repeaters.map((r) => r.recencyDays / r.x))),
        horizonMonths: this.horizonMonths,
        discountRatePerMonth: this.discountRate,
        fitMs,
        fittedAt: this.clock.now(),
        isCurrent: false,
      }),
    );

    try {
      return await this.scoreAndActivate(model, since as Date, asOf, inputs, onProgress);
    } catch (err) {
      // A failed run must not leave a half-scored model behind: its table goes (or, attached and locked
      // by readers, loses its rows with the model through the cascade and is dropped by the next fit).
      await this.dropScoreTables([scoreTable(model.id)]).catch(() => undefined);
      await repo.delete({ id: model.id }).catch(() => undefined);
      throw err;
    }
  }

  /**
   * The calibration summaries, and the scoring inputs when they came with them. A calibration that ends
   * today (the default) is summarised from every customer's scoring inputs as of now, which hold the
   * same purchases unless one is dated later today (checked after the reads): the purchase log is read
   * once instead of twice. Any other calibration end reads its own summaries.
   */
  private async readCalibration(endDay: number, asOf: Date): Promise<{ rows: CalibrationRow[]; inputs: ScoringInput[] | null }> {
    if (dayNumber(asOf) !== endDay) return { rows: await loadCalibrationSummaries(this.ds.manager, endDay), inputs: null };
    const inputs = await this.readScoringInputs(asOf);
    const rows = (await purchasedLaterThatDay(this.ds.manager, asOf))
      ? await loadCalibrationSummaries(this.ds.manager, endDay)
      : calibrationRowsOf(inputs, endDay);
    return { rows, inputs };
  }

  /**
   * Every purchasing customer's scoring inputs as of `asOf`, in id order. Id ranges of the batch size are
   * read READS_IN_FLIGHT at a time, each on a connection of its own: two backends read on the two cores
   * at once while Node takes in the rows of the last range.
   */
  private async readScoringInputs(asOf: Date, onBatch: (done: number, total: number) => void = () => undefined): Promise<ScoringInput[]> {
    const ids = await purchasingCustomerIds(this.ds.manager);
    const starts = Array.from({ length: Math.ceil(ids.length / this.batchSize) }, (_, k) => k * this.batchSize);
    const reads: Promise<ScoringInput[]>[] = [];
    const read = (k: number) => {
      if (k >= starts.length) return;
      const i = starts[k]!;
      reads[k] = loadScoringInputs(this.ds.manager, { from: ids[i]!, to: ids[Math.min(i + this.batchSize, ids.length) - 1]! }, asOf);
      // Awaited in turn; until then a failure must not surface as an unhandled rejection.
      reads[k]!.catch(() => undefined);
    };
    for (let k = 0; k < READS_IN_FLIGHT; k++) read(k);
    const inputs: ScoringInput[] = [];
    for (let k = 0; k < starts.length; k++) {
      const batch = await reads[k]!;
      read(k + READS_IN_FLIGHT);
      for (const input of batch) inputs.push(input);
      onBatch(Math.min(starts[k]! + this.batchSize, ids.length), ids.length);
    }
    return inputs;
  }

  private async scoreAndActivate(
    model: ChurnModel,
    recordedSince: Date,
    asOf: Date,
    inputsRead: ScoringInput[] | null,
    onProgress: FitProgress,
  ): Promise<FitResult> {
    const scoringStart = performance.now();
    const score = createScorer(scoringModelOf(model));
    checkCopyColumns(this.ds.manager);
    // Two passes, so that no score is kept in memory: first each customer is only valued (the purchase
    // models' part of the score), which is all the value tiers are ranked by; then the full scores are
    // computed, texts and all, and encoded as COPY rows while the COPY runs, so Node encodes the next
    // rows while PostgreSQL stores the last ones, on the other core. (Keeping every formatted row until
    // the ranking was done instead, 1.6 kB each, cost Node about 5 of its 20 µs per customer in garbage
    // collection, and formatting could not overlap the COPY.)
    onProgress('scoring', 0, inputsRead?.length ?? 1);
    const inputs = inputsRead ?? (await this.readScoringInputs(asOf, (done, total) => onProgress('scoring', done, total)));
    const values = inputs.map((input) => ({
      id: Number(input.features.customerId),
      value: Number(money(score.predictedValue(input.features))),
    }));
    onProgress('scoring', inputs.length, inputs.length);

    onProgress('ranking', 0, 1);
    const ranked = assignValueTiers(values);
    const rankOf = new Map(ranked.map((r) => [r.id, r]));
    // Customers the new model rates HIGH or CRITICAL, in id order: the candidates for a move to AT_RISK.
    const high: Crossing[] = [];
    // The scores go into a table of their own, which becomes the model's partition of customer_score:
    // no foreign-key trigger (a customer lookup) and no index insertions per row, indexes built once.
    const table = scoreTable(model.id);
    await inTransaction(this.ds, async (em) => {
      // The CHECK on model_id spares ATTACH its scan for rows outside the partition.
      await em.query(
        `CREATE TABLE ${table} (LIKE customer_score INCLUDING DEFAULTS INCLUDING CONSTRAINTS, CHECK (model_id = ${BigInt(model.id)}))`,
      );
      await copyRows(
        em,
        table,
        COPY_COLUMNS,
        inputs,
        (out, input) => {
          const r = score(input.features);
          if (isHighRisk(r.risk.level)) high.push({ id: r.customerId, level: r.risk.level, score: r.risk.score });
          const { tier, rank } = rankOf.get(Number(r.customerId))!;
          writeScoreRow(out, model.id, { input, r, scoredAt: asOf }, tier, rank);
        },
        { freeze: true },
      );
      await em.query(scoreIndexes(table));
    });
    await this.attachScoreTable(model.id, table);
    const vip = ranked.filter((r) => r.tier === 'VIP');
    const low = ranked.filter((r) => r.tier === 'LOW');
    onProgress('ranking', 1, 1);

    onProgress('activating', 0, 1);
    const activated = await inTransaction(this.ds, async (em) => {
      const previous = await em
        .getRepository(ChurnModel)
        .createQueryBuilder('m')
        .setLock('pessimistic_write')
        .where('m.is_current')
        .getOne();
      model.holdingCustomerCount = await snapshotHoldingStats(em, model.id);
      model.scoringMs = performance.now() - scoringStart;
      model.scoredAt = this.clock.now();
      model.scoredCustomerCount = ranked.length;
      model.vipMinValue = vip.length ? money(vip[vip.length - 1]!.value) : null;
      model.lowMaxValue = low.length ? money(low[0]!.value) : null;
      model.isCurrent = true;
      if (previous) await em.getRepository(ChurnModel).update({ id: previous.id }, { isCurrent: false });
      await em.getRepository(ChurnModel).save(model);

      // The new levels are those in memory (nothing writes under a model before it is current), so only
      // the previous model's HIGH and CRITICAL scores are read: no join with the new, never analysed
      // table, whose plan without statistics took 0.8-1.0 s on 100,000 customers.
      // As one comma-separated text: one row to receive instead of one per customer.
      const [{ ids }]: { ids: string }[] = previous
        ? await em.query(
            `SELECT coalesce(string_agg(customer_id::text, ','), '') AS ids FROM customer_score WHERE model_id = $1 AND risk_level IN ('HIGH', 'CRITICAL')`,
            [previous.id],
          )
        : [{ ids: '' }];
      const already = new Set(ids ? ids.split(',') : []);
      const crossing = high.filter((c) => !already.has(c.id));
      if (previous) {
        // Old statistics are replaced, the model row stays as history; its scores' table is dropped below.
        await em.query(`DELETE FROM product_affinity WHERE model_id = $1`, [previous.id]);
        await em.query(`DELETE FROM persona_product_affinity WHERE model_id = $1`, [previous.id]);
      }
      return { crossing, previous };
    });
    // Readers join the current model, so the retired scores are invisible from the commit on; dropping
    // their table waits for nobody: when readers hold it, the next fit drops it.
    if (activated.previous) await this.dropScoreTables([scoreTable(activated.previous.id)]);
    const crossing = activated.crossing;
    onProgress('activating', 1, 1);

    // Stage moves in short transactions: each holds the outbox's event counter until it commits,
    // so one long transaction would stall every other writer of events for its whole duration.
    // Two at a time, on two connections: each batch's customer updates and history rows are written
    // before its events take the counter (applyAutomaticMovesInSql), so one batch writes its rows
    // while the other records its events and commits.
    let done = 0;
    onProgress('moving', 0, crossing.length);
    const batches = Math.ceil(crossing.length / this.moveBatchSize);
    const movedPerBatch = await inLanes(batches, MOVES_IN_FLIGHT, async (k) => {
      const chunk = crossing.slice(k * this.moveBatchSize, (k + 1) * this.moveBatchSize);
      const n = await inTransaction(this.ds, (em) => this.moveToAtRisk(em, chunk, model.scoredAt!));
      done += chunk.length;
      onProgress('moving', done, crossing.length);
      return n;
    });
    const moved = movedPerBatch.reduce((sum, n) => sum + n, 0);

    // Purchases recorded while this run scored were re-scored with the old model; redo them.
    const late: { id: string }[] = await this.ds.query(`SELECT DISTINCT customer_id::text AS id FROM purchase WHERE recorded_at >= $1`, [
      recordedSince,
    ]);
    const lateIds = [...new Set([...late.map((r) => r.id), ...(this.touchedDuringFit ?? [])])];
    this.touchedDuringFit = null;
    const lateMoves = await this.rescoreInBatches(lateIds);

    return { model, scoredCustomers: ranked.length, movedToAtRisk: moved + lateMoves };
  }

  /**
   * Makes a fit's table the model's partition of customer_score. The references are added NOT VALID and
   * then validated: validation is one join over the table and locks customer only against DDL (ROW SHARE),
   * whereas adding a reference and ATTACH briefly lock customer against writes (SHARE ROW EXCLUSIVE). ATTACH
   * then finds the references valid, the indexes built and the CHECK on model_id, so it checks nothing
   * again. The statements that lock customer give way to writers (short lock_timeout, retried) rather than
   * hold them up behind a queued lock.
   */
  private async attachScoreTable(modelId: string, table: string): Promise<void> {
    const id = BigInt(modelId);
    await this.ddlGivingWay(
      `ALTER TABLE ${table} ADD CONSTRAINT ${table}_customer_fkey FOREIGN KEY (customer_id) REFERENCES customer(id) ON DELETE CASCADE NOT VALID,
         ADD CONSTRAINT ${table}_model_fkey FOREIGN KEY (model_id) REFERENCES churn_model(id) ON DELETE CASCADE NOT VALID`,
    );
    await this.ds.query(`ALTER TABLE ${table} VALIDATE CONSTRAINT ${table}_customer_fkey, VALIDATE CONSTRAINT ${table}_model_fkey`);
    await this.ddlGivingWay(`ALTER TABLE customer_score ATTACH PARTITION ${table} FOR VALUES IN (${id})`);
  }

  /**
   * Runs one DDL statement with a short lock_timeout, retrying after a growing pause when a lock is not
   * granted in time (about 30 s in all, then the error is thrown): a statement queued for a lock holds up
   * everyone queued behind it, so it waits briefly and often rather than long. Sent as one message without
   * parameters, the two statements run in one implicit transaction, which SET LOCAL is limited to.
   */
  private async ddlGivingWay(sql: string, attempts = 40): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.ds.query(`SET LOCAL lock_timeout = ${DDL_LOCK_TIMEOUT_MS}; ${sql}`);
        return;
      } catch (err) {
        if (sqlState(err) !== LOCK_NOT_AVAILABLE || attempt >= attempts) throw err;
        await pause(Math.min(1000, 50 * attempt));
      }
    }
  }

  /**
   * Drops score tables. Dropping a partition locks customer_score against every reader for a moment, so
   * each drop gives way (a few short tries) rather than stall readers; a table left behind is invisible to
   * readers (not the current model's) and is dropped by the next fit. Returns the tables left behind.
   */
  private async dropScoreTables(tables: readonly string[]): Promise<string[]> {
    const left: string[] = [];
    for (const table of tables) {
      try {
        await this.ddlGivingWay(`DROP TABLE IF EXISTS ${table}`, 3);
      } catch (err) {
        if (sqlState(err) !== LOCK_NOT_AVAILABLE) throw err;
        this.options.log?.warn('score table left for the next fit: readers held customer_score', { table });
        left.push(table);
      }
    }
    return left;
  }

  /**
   * Drops every score table that is not the current model's: partitions of retired models whose drop gave
   * way to readers, and tables of fits that died before activation (the caller holds the fit lock, so no
   * other fit is writing one). One statement when there is nothing to drop.
   */
  private async dropRetiredScoreTables(): Promise<void> {
    const stale: { name: string }[] = await this.ds.query(
      `SELECT c.relname AS name FROM pg_class c
       WHERE c.relkind = 'r' AND c.relnamespace = (SELECT p.relnamespace FROM pg_class p WHERE p.oid = 'customer_score'::regclass)
         AND c.relname ~ '^customer_score_[0-9]+$'
         AND c.relname <> ALL (SELECT 'customer_score_' || m.id FROM churn_model m WHERE m.is_current)
       ORDER BY c.relname`,
    );
    if (stale.length) await this.dropScoreTables(stale.map((t) => t.name));
  }

  /**
   * Right after a bulk import the planner has no statistics and picks plans that made scoring
   * 15x slower in a 100k-customer trial: the scored tables that changed much are analysed first
   * (db/statistics analyzeStale). Failure only costs speed: logged, not thrown.
   */
  private async refreshStaleStatistics(): Promise<void> {
    try {
      await analyzeStale(this.ds, SCORED_TABLES);
    } catch (err) {
      this.options.log?.warn('ANALYZE before the fit failed', { error: String(err) });
    }
  }

  /**
   * Re-scores the given customers with the current model as of now (all their purchases,
   * holdings and touchpoints to date). Value tiers come from the current model's cut-offs.
   * Returns how many were scored and moved to AT_RISK. A no-op before the first fit.
   */
  async rescore(customerIds: readonly string[]): Promise<{ scored: number; movedToAtRisk: number }> {
    const ids = [...new Set(customerIds)];
    if (ids.length === 0) return { scored: 0, movedToAtRisk: 0 };
    return inTransaction(this.ds, async (em) => {
      // FOR SHARE: activation (FOR UPDATE) waits for us, so we never write under a retired model.
      const model = await em.getRepository(ChurnModel).createQueryBuilder('m').setLock('pessimistic_read').where('m.is_current').getOne();
      if (!model) return { scored: 0, movedToAtRisk: 0 };
      const asOf = this.clock.now();
      const inputs = await loadScoringInputs(em, ids, asOf);
      const score = createScorer(scoringModelOf(model));
      const results = inputs.map((i) => score(i.features));
      const before: { id: string; level: string }[] = await em.query(
        `SELECT customer_id::text AS id, risk_level AS level FROM customer_score WHERE model_id = $1 AND customer_id = ANY($2::bigint[])`,
        [model.id, ids],
      );
      const previous = new Map(before.map((b) => [b.id, b.level]));
      const vipMin = model.vipMinValue === null ? null : Number(model.vipMinValue);
      const lowMax = model.lowMaxValue === null ? null : Number(model.lowMaxValue);
      await this.writeScores(em, model.id, inputs, results, asOf, (r) => tierFromCutoffs(Number(money(r.predictedValue)), vipMin, lowMax));
      const crossing = results
        .filter((r) => isHighRisk(r.risk.level) && !isHighRisk((previous.get(r.customerId) ?? 'LOW') as 'LOW'))
        .map((r) => ({ id: r.customerId, level: r.risk.level, score: r.risk.score }));
      return { scored: results.length, movedToAtRisk: await this.moveToAtRisk(em, crossing, asOf) };
    });
  }

  /**
   * Re-scores in the background (after recorded or imported purchases): one job that works through
   * the customers in batches of the scoring batch size, one transaction each, so even a bulk import's
   * customers hold one connection. Errors are logged, never thrown.
   */
  scheduleRescore(customerIds: readonly string[]): void {
    for (const id of customerIds) this.touchedDuringFit?.add(id);
    const ids = [...customerIds];
    const job: Promise<unknown> = this.rescoreInBatches(ids)
      .catch((err) =>
        this.options.log?.error('re-scoring failed', { customers: ids.length, customerIds: ids.slice(0, 20), error: String(err) }),
      )
      .finally(() => this.pending.delete(job));
    this.pending.add(job);
  }

  /** rescore in batches of the scoring batch size, one after the other; returns how many moved to AT_RISK. */
  private async rescoreInBatches(ids: readonly string[]): Promise<number> {
    let moved = 0;
    for (let i = 0; i < ids.length; i += this.batchSize) moved += (await this.rescore(ids.slice(i, i + this.batchSize))).movedToAtRisk;
    return moved;
  }

  /** Resolves once every background re-score has finished (tests and shutdown). */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  private async writeScores(
    em: EntityManager,
    modelId: string,
    inputs: readonly ScoringInput[],
    results: readonly CustomerScoreResult[],
    asOf: Date,
    tierOf: (r: CustomerScoreResult) => string | null,
  ): Promise<void> {
    if (results.length === 0) return;
    const records = results.map((r, i) => ({
      customer_id: r.customerId,
      ...scoreRecord({ input: inputs[i]!, r, scoredAt: asOf }, tierOf(r)),
    }));
    const { names, columns } = scoreColumns(em);
    await em.query(
      `INSERT INTO customer_score (model_id, customer_id, ${names.join(', ')})
       SELECT $1::bigint, r.customer_id, ${names.map((n) => `r.${n}`).join(', ')}
       FROM jsonb_to_recordset($2::jsonb) AS r(customer_id bigint, ${columns.join(', ')})
       ON CONFLICT (model_id, customer_id) DO UPDATE SET ${names.map((n) => `${n} = EXCLUDED.${n}`).join(', ')}`,
      [modelId, JSON.stringify(records)],
    );
  }

  /**
   * Moves customers whose risk just rose into HIGH or CRITICAL through the stage machine, in the
   * caller's transaction, set-based (lifecycle's applyAutomaticMovesInSql: customers locked in id
   * order before the outbox records their events). Only customers in a stage the CHURN_RISK rule
   * applies to move; erased customers keep their scores (aggregates must not change) but are never
   * moved: they are tombstones. Returns how many moved.
   */
  private async moveToAtRisk(em: EntityManager, crossing: readonly Crossing[], at: Date): Promise<number> {
    if (crossing.length === 0) return 0;
    return applyAutomaticMovesInSql(
      em,
      {
        sql: `SELECT u.id AS customer_id, 1 AS rank, $3::text AS trigger, u.reason FROM unnest($1::bigint[], $2::text[]) AS u(id, reason)`,
        params: [
          crossing.map((c) => c.id),
          crossing.map((c) => `Churn risk rose to ${c.level} (score ${c.score.toFixed(2)}).`),
          StageChangeTrigger.CHURN_RISK,
        ],
      },
      at,
    );
  }
}
