/**
 * Builds per-customer RFM summaries (x, t_x, T, z̄) from a purchase log, using the conventions of
 * the BG/NBD and Gamma-Gamma papers (and of the lifetimes / BTYD CDNOW files):
 * - time is counted in whole UTC calendar days, then divided by `timeUnitDays` (7 → weeks);
 * - all purchases of one customer on one UTC day form ONE transaction (amounts summed);
 * - the first purchase day starts the clock and is not a repeat;
 * - T is the plain day difference between the calibration end and the first purchase (the end
 *   day is not counted extra), and purchases on the calibration end day are included;
 * - monetary value is the mean day total over the repeat days only (first day excluded).
 * Getting these wrong moves the CDNOW BG/NBD estimates by 2-26 %, so they are not options.
 */

/** One purchase row. `date` is a Date or an ISO 8601 string; date-only strings are UTC days. */
export interface Transaction<Id extends string | number = string | number> {
  customerId: Id;
  date: Date | string;
  amount: number;
}

/** Per-customer calibration summary. Times are in units of `timeUnitDays` days. */
export interface CustomerRfm<Id extends string | number = string | number> {
  customerId: Id;
  /** x: number of repeat transaction days in the calibration period. */
  frequency: number;
  /** t_x: last purchase day − first purchase day (0 when x = 0). */
  recency: number;
  /** T: calibration end day − first purchase day. */
  T: number;
  /** z̄: mean total of the repeat days (first day excluded); 0 when x = 0. */
  monetaryValue: number;
  /** First purchase day, ISO `YYYY-MM-DD` (UTC). */
  firstPurchaseAt: string;
  /** Last purchase day within the calibration period, ISO `YYYY-MM-DD` (UTC). */
  lastPurchaseAt: string;
  /** Sum of all calibration-period amounts, first day included. */
  totalSpend: number;
  /** Transactions after same-day merging (= x + 1). */
  transactionCount: number;
}

const MS_PER_DAY = 86_400_000;
// Module-local alias: global lookups are slow in sandboxed contexts such as jest's vm, and this
// check runs once per transaction row.
const isFiniteNumber = Number.isFinite;
const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
// A local date-time without Z or ±hh:mm would be read in the machine's zone by Date.parse.
const HAS_ZONE = /(?:Z|[+-]\d{2}:?\d{2})$/i;

/**
 * Day number (days since 1970-01-01, UTC) of a Date or ISO 8601 string.
 *
 * Contract: a valid Date, a `YYYY-MM-DD` string (read as a UTC calendar day) or a date-time
 * string (read as UTC when it carries no zone, so results never depend on the server's zone).
 * Throws RangeError for anything else, including impossible dates such as 1997-02-30.
 */
export function utcDayNumber(value: Date | string): number {
  let ms: number;
  if (value instanceof Date) {
    ms = value.getTime();
  } else if (typeof value === 'string') {
    const m = DATE_ONLY.exec(value);
    if (m) {
      const y = Number(m[1]);
      const mo = Number(m[2]) - 1;
      const d = Number(m[3]);
      ms = Date.UTC(y, mo, d);
      // Date.UTC silently rolls 1997-02-30 over into March; reject instead.
      const check = new Date(ms);
      if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo || check.getUTCDate() !== d) ms = Number.NaN;
    } else {
      ms = Date.parse(HAS_ZONE.test(value) ? value : `${value}Z`);
    }
  } else {
    ms = Number.NaN;
  }
  if (!Number.isFinite(ms)) throw new RangeError(`invalid date: ${String(value)}`);
  return Math.floor(ms / MS_PER_DAY);
}

function isoDay(day: number): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

interface Accumulator<Id> {
  customerId: Id;
  days: number[];
  sorted: boolean;
  firstDay: number;
  firstDayAmount: number;
  lastDay: number;
  total: number;
}

/**
 * Summarises a purchase log into one calibration RFM row per customer.
 *
 * Contract: `transactions` in any order; rows dated after `calibrationEnd` (a UTC day, inclusive)
 * are ignored, and customers whose first purchase is after it are omitted. `amount` must be
 * finite, `timeUnitDays` > 0 (RangeError otherwise). Rows are returned in order of each
 * customer's first appearance in the input. Runs in O(n) for input sorted by date within each
 * customer (O(n log n) otherwise); date strings are parsed once per distinct `YYYY-MM-DD` value.
 */
export function summarizeTransactions<Id extends string | number>(
  transactions: readonly Transaction<Id>[],
  calibrationEnd: Date | string,
  timeUnitDays = 7,
): CustomerRfm<Id>[] {
  if (!(timeUnitDays > 0) || !Number.isFinite(timeUnitDays)) {
    throw new RangeError(`timeUnitDays must be finite and > 0, got ${timeUnitDays}`);
  }
  const endDay = utcDayNumber(calibrationEnd);
  const dayCache = new Map<string, number>();
  const dayOf = (value: Date | string): number => {
    // Logs repeat the same few hundred date strings, so caching makes parsing nearly free.
    if (typeof value !== 'string' || value.length !== 10) return utcDayNumber(value);
    let day = dayCache.get(value);
    if (day === undefined) {
      day = utcDayNumber(value);
      dayCache.set(value, day);
    }
    return day;
  };

  const customers = new Map<Id, Accumulator<Id>>();
  for (let i = 0; i < transactions.length; i++) {
    const tx = transactions[i]!;
    if (!isFiniteNumber(tx.amount)) throw new RangeError(`transaction #${i}: amount must be finite, got ${tx.amount}`);
    let day: number;
    try {
      day = dayOf(tx.date);
    } catch {
      throw new RangeError(`transaction #${i}: invalid date ${String(tx.date)}`);
    }
    if (day > endDay) continue;
    const acc = customers.get(tx.customerId);
    if (acc === undefined) {
      customers.set(tx.customerId, {
        customerId: tx.customerId,
        days: [day],
        sorted: true,
        firstDay: day,
        firstDayAmount: tx.amount,
        lastDay: day,
        total: tx.amount,
      });
      continue;
    }
    if (day < acc.days[acc.days.length - 1]!) acc.sorted = false;
    acc.days.push(day);
    acc.total += tx.amount;
    // Track the first day's total online so out-of-order input needs no second pass over amounts.
    if (day < acc.firstDay) {
      acc.firstDay = day;
      acc.firstDayAmount = tx.amount;
    } else if (day === acc.firstDay) {
      acc.firstDayAmount += tx.amount;
    }
    if (day > acc.lastDay) acc.lastDay = day;
  }

  const out: CustomerRfm<Id>[] = [];
  for (const acc of customers.values()) {
    const days = acc.sorted ? acc.days : acc.days.sort((u, v) => u - v);
    let distinct = 1;
    for (let j = 1; j < days.length; j++) if (days[j] !== days[j - 1]) distinct++;
    const x = distinct - 1;
    out.push({
      customerId: acc.customerId,
      frequency: x,
      recency: (acc.lastDay - acc.firstDay) / timeUnitDays,
      T: (endDay - acc.firstDay) / timeUnitDays,
      monetaryValue: x > 0 ? (acc.total - acc.firstDayAmount) / x : 0,
      firstPurchaseAt: isoDay(acc.firstDay),
      lastPurchaseAt: isoDay(acc.lastDay),
      totalSpend: acc.total,
      transactionCount: distinct,
    });
  }
  return out;
}
