import { loadElog, loadRfmSummary } from '../../test/fixtures/cdnow/load';
import { summarizeTransactions, utcDayNumber, type Transaction } from './rfm';

describe('summarizeTransactions on CDNOW', () => {
  const elog = loadElog();
  const published = loadRfmSummary();
  const summary = summarizeTransactions(elog, '1997-09-30');
  const byId = new Map(summary.map((s) => [s.customerId, s]));

  it('reproduces cdnow_rfm_summary.csv for every customer', () => {
    expect(summary).toHaveLength(2357);
    for (const want of published) {
      const got = byId.get(want.customerId)!;
      expect(got).toBeDefined();
      expect(got.frequency).toBe(want.frequency);
      expect(Math.abs(got.recency - want.recency)).toBeLessThan(1e-6);
      expect(Math.abs(got.T - want.T)).toBeLessThan(1e-6);
      expect(Math.abs(got.monetaryValue - want.monetaryValue)).toBeLessThan(1e-6);
    }
  });

  it('has the published totals: Σx = 2457, 946 repeaters, 1411 one-time buyers', () => {
    expect(summary.reduce((s, c) => s + c.frequency, 0)).toBe(2457);
    expect(summary.filter((c) => c.frequency > 0)).toHaveLength(946);
    expect(summary.filter((c) => c.frequency === 0)).toHaveLength(1411);
  });

  it('fills the descriptive fields (customer 1)', () => {
    // Rows: 1997-01-01 29.33, 1997-01-18 29.73, 1997-08-02 14.96, then 1997-12-12 (holdout).
    expect(byId.get(1)).toMatchObject({
      frequency: 2,
      firstPurchaseAt: '1997-01-01',
      lastPurchaseAt: '1997-08-02',
      transactionCount: 3,
    });
    expect(byId.get(1)!.totalSpend).toBeCloseTo(29.33 + 29.73 + 14.96, 9);
    expect(byId.get(1)!.T).toBeCloseTo(272 / 7, 12);
  });

  it('gives the same result for shuffled input', () => {
    // Deterministic shuffle: reversing the rows exercises the unsorted path.
    const reversed = summarizeTransactions(elog.slice().reverse(), '1997-09-30');
    const reversedById = new Map(reversed.map((s) => [s.customerId, s]));
    for (const s of summary) {
      const r = reversedById.get(s.customerId)!;
      expect(r.frequency).toBe(s.frequency);
      expect(r.recency).toBe(s.recency);
      expect(r.T).toBe(s.T);
      expect(r.monetaryValue).toBeCloseTo(s.monetaryValue, 9);
    }
  });

  it('summarises 100,000 customers (1M rows)', () => {
    const rows: Transaction<number>[] = [];
    const start = Date.UTC(2020, 0, 1);
    for (let c = 0; c < 100_000; c++) {
      for (let j = 0; j < 10; j++) {
        const day = start + ((c * 7 + j * 37) % 700) * 86_400_000;
        rows.push({ customerId: c, date: new Date(day).toISOString().slice(0, 10), amount: 10 + j });
      }
    }
    const out = summarizeTransactions(rows, '2021-12-31');
    expect(out).toHaveLength(100_000);
  });
});

describe('summarizeTransactions conventions', () => {
  it('merges same-day rows, excludes the first day from monetary value, ignores later rows', () => {
    const rows: Transaction<string>[] = [
      { customerId: 'a', date: '2024-01-01', amount: 100 },
      { customerId: 'a', date: '2024-01-01T18:30:00Z', amount: 50 },
      { customerId: 'a', date: '2024-01-08', amount: 10 },
      { customerId: 'a', date: '2024-01-08', amount: 20 },
      { customerId: 'a', date: new Date(Date.UTC(2024, 0, 15, 23, 59)), amount: 60 },
      { customerId: 'a', date: '2024-02-01', amount: 999 }, // after calibration end
      { customerId: 'b', date: '2024-01-29', amount: 5 },
      { customerId: 'c', date: '2024-02-02', amount: 5 }, // first purchase after the end: omitted
    ];
    const [a, b, ...rest] = summarizeTransactions(rows, '2024-01-29');
    expect(rest).toHaveLength(0);
    expect(a).toEqual({
      customerId: 'a',
      frequency: 2,
      recency: 2,
      T: 4,
      monetaryValue: 45,
      firstPurchaseAt: '2024-01-01',
      lastPurchaseAt: '2024-01-15',
      totalSpend: 240,
      transactionCount: 3,
    });
    // A purchase on the calibration end day is included and gives T = 0.
    expect(b).toMatchObject({ customerId: 'b', frequency: 0, recency: 0, T: 0, monetaryValue: 0, transactionCount: 1 });
  });

  it('supports other time units', () => {
    const rows = [
      { customerId: 1, date: '2024-01-01', amount: 1 },
      { customerId: 1, date: '2024-01-11', amount: 3 },
    ];
    expect(summarizeTransactions(rows, '2024-01-31', 1)[0]).toMatchObject({ recency: 10, T: 30, monetaryValue: 3 });
  });

  it('returns [] for no transactions and validates input', () => {
    expect(summarizeTransactions([], '2024-01-01')).toEqual([]);
    expect(() => summarizeTransactions([{ customerId: 1, date: '2024-02-30', amount: 1 }], '2024-03-01')).toThrow(RangeError);
    expect(() => summarizeTransactions([{ customerId: 1, date: 'yesterday', amount: 1 }], '2024-03-01')).toThrow(RangeError);
    expect(() => summarizeTransactions([{ customerId: 1, date: '2024-01-01', amount: Number.NaN }], '2024-03-01')).toThrow(RangeError);
    expect(() => summarizeTransactions([], '2024-03-01', 0)).toThrow(RangeError);
  });
});

describe('utcDayNumber', () => {
  it('reads dates as UTC calendar days regardless of the server zone', () => {
    expect(utcDayNumber('1970-01-02')).toBe(1);
    expect(utcDayNumber('1997-01-18') - utcDayNumber('1997-01-01')).toBe(17);
    // Zone-less date-times are read as UTC; explicit offsets are honoured.
    expect(utcDayNumber('1997-01-01T23:59:59')).toBe(utcDayNumber('1997-01-01'));
    expect(utcDayNumber('1997-01-01T23:00:00-05:00')).toBe(utcDayNumber('1997-01-02'));
    expect(utcDayNumber(new Date(Date.UTC(1969, 11, 31, 12)))).toBe(-1);
    expect(() => utcDayNumber(new Date(Number.NaN))).toThrow(RangeError);
  });
});
