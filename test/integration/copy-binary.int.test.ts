/**
 * COPY's binary format (db/copy-binary.ts) against PostgreSQL itself: every value the encoder writes
 * must read back exactly as the same value sent as text does, edge cases included (numerics around
 * the base-10000 digit boundaries, timestamps before PostgreSQL's 2000 epoch, ids beyond 2^53,
 * empty arrays, non-ASCII text), across chunk boundaries and rows larger than a chunk.
 */
import type { DataSource } from 'typeorm';
import { copyRows } from '../../src/db/copy';
import type { BinaryType } from '../../src/db/copy-binary';
import { inTransaction } from '../../src/db/transaction';
import { createTestDatabase, openDataSource, type TestDatabase } from '../support/database';

let db: TestDatabase;
let ds: DataSource;

beforeAll(async () => {
  db = await createTestDatabase();
  ds = await openDataSource(db.url);
});
afterAll(async () => {
  await ds?.destroy();
  await db?.drop();
});

const COLUMNS: readonly (readonly [string, BinaryType])[] = [
  ['i4', 'int4'],
  ['i8', 'int8'],
  ['f8', 'float8'],
  ['num', 'numeric'],
  ['txt', 'text'],
  ['js', 'json'],
  ['ts', 'timestamptz'],
  ['i8s', 'int8[]'],
  ['txts', 'text[]'],
];
type Row = unknown[];

/** The same table twice: one filled by binary COPY, one by a parameterised INSERT (text values). */
async function createTables(): Promise<void> {
  for (const table of ['via_copy', 'via_insert']) {
    await ds.query(`DROP TABLE IF EXISTS ${table}`);
    await ds.query(`CREATE TABLE ${table} (ord int, ${COLUMNS.map(([c, t]) => `${c} ${t}`).join(', ')})`);
  }
}

async function copy(rows: readonly Row[]): Promise<void> {
  await inTransaction(ds, (em) => {
    let ord = 0;
    return copyRows(em, 'via_copy', ['ord', ...COLUMNS.map(([c]) => c)], rows, (out, row) => {
      out.row(row.length + 1);
      out.int4(ord++);
      COLUMNS.forEach(([, type], i) => out.value(type, row[i]));
    });
  });
}

async function insert(rows: readonly Row[]): Promise<void> {
  for (const [ord, row] of rows.entries()) {
    const params = row.map((v, i) => (COLUMNS[i]![1] === 'json' && v !== null && typeof v !== 'string' ? JSON.stringify(v) : v));
    await ds.query(`INSERT INTO via_insert VALUES ($1, ${COLUMNS.map(([, t], i) => `$${i + 2}::${t}`).join(', ')})`, [ord, ...params]);
  }
}

/** Every column as PostgreSQL's text output, in row order. */
const readBack = (table: string): Promise<Record<string, string | null>[]> =>
  ds.query(`SELECT ${COLUMNS.map(([c]) => `${c}::text AS ${c}`).join(', ')} FROM ${table} ORDER BY ord`);

/** Numerics around the base-10000 digit boundaries, with zero digits to strip at either end. */
const NUMERICS = [
  '0',
  '0.00',
  '-0.00',
  '12.5',
  '1234.56',
  '-0.05',
  '0.0001',
  '0.00001',
  '10000',
  '10000.00',
  '100000000.01',
  '99999999999.99',
  '-123456789012.3456789',
  '00012.30',
];

const base: Row = [1, '1', 1.5, '1.50', 'a', { a: 1 }, new Date('2026-12-03T19:57:40.911Z'), ['1'], ['a']];
/** `base` with column `column` set to each of `values`. */
const varying = (column: string, values: readonly unknown[]): Row[] => {
  const i = COLUMNS.findIndex(([c]) => c === column);
  return values.map((v) => base.map((b, j) => (j === i ? v : b)));
};

describe('binary COPY', () => {
  beforeEach(createTables);

  it('stores every type exactly as the same values sent as text', async () => {
    const numerics = varying('num', NUMERICS);
    const rows: Row[] = [
      base,
      COLUMNS.map(() => null),
      ...varying('i4', [0, -1, 2_147_483_647, -2_147_483_648]),
      ...varying('i8', ['0', '-5', 12_345, '9007199254740993', '-9223372036854775808', '9223372036854775807']),
      ...varying('f8', [0, 1 / 3, -2.5e-300, 1.7976931348623157e308, 5e-324, Number.NaN, Number.POSITIVE_INFINITY, 1561.142857142857]),
      ...numerics,
      ...varying('txt', ['', 'plain', 'unicode: é 漢字 🎉', 'tab\tnewline\nbackslash\\ "quotes" {braces,}']),
      ...varying('js', [{ e: ['x "y"'], f: [[0.1, 1e-7]] }, '{"kept":"as written"}', []]),
      ...varying('ts', [
        new Date('1997-01-01T12:00:00Z'),
        new Date('2000-01-01T00:00:00Z'),
        new Date('1969-12-31T23:59:59.999Z'),
        new Date('2099-06-30T23:59:59.001Z'),
      ]),
      ...varying('i8s', [[], ['1', '2', '9007199254740993'], [7]]),
      ...varying('txts', [[], ['a', 'b "c"', 'd,e', 'NULL', '', '{x}', 'back\\slash', 'é']]),
    ];
    await copy(rows);
    await insert(rows);
    const copied = await readBack('via_copy');
    expect(copied).toHaveLength(rows.length);
    expect(copied).toEqual(await readBack('via_insert'));
    // Spot checks of the text PostgreSQL shows, so a mistake on both sides cannot pass unseen.
    expect(copied[0]).toEqual({
      i4: '1',
      i8: '1',
      f8: '1.5',
      num: '1.50',
      txt: 'a',
      js: '{"a":1}',
      ts: expect.stringMatching(/^2026-12-03 19:57:40\.911/),
      i8s: '{1}',
      txts: '{a}',
    });
    const at = rows.indexOf(numerics[0]!);
    // As written, but for a negative zero and leading zeros, which numeric does not keep.
    const shown = NUMERICS.map((n) => ({ '-0.00': '0.00', '00012.30': '12.30' })[n] ?? n);
    expect(copied.slice(at, at + numerics.length).map((r) => r.num)).toEqual(shown);
  });

  it('drops NUL characters from text, which PostgreSQL text cannot hold', async () => {
    await copy(varying('txt', ['before\0after']));
    expect((await readBack('via_copy'))[0]!.txt).toBe('beforeafter');
  });

  it('sends many rows in several chunks, and a row larger than a chunk whole', async () => {
    const long = 'x'.repeat(300);
    const rows = [
      ...varying(
        'txt',
        Array.from({ length: 3000 }, (_, i) => `${i}:${long}`),
      ),
      ...varying('txt', ['é'.repeat(400_000)]),
    ];
    await copy(rows);
    const [{ n, bytes, last }] = await ds.query(
      `SELECT count(*)::int AS n, sum(octet_length(txt))::int AS bytes, max(octet_length(txt)) FILTER (WHERE ord = 3000) AS last FROM via_copy`,
    );
    expect(n).toBe(3001);
    expect(last).toBe(800_000);
    expect(bytes).toBe(rows.reduce((sum, r) => sum + Buffer.byteLength(r[4] as string), 0));
  });

  it('rejects values that do not fit their type before anything is sent', async () => {
    await expect(copy(varying('i4', [1.5]))).rejects.toThrow(/not an int4: 1.5/);
    await expect(copy(varying('num', ['1e5']))).rejects.toThrow(/not a plain decimal number: 1e5/);
    await expect(copy(varying('i8', ['12x']))).rejects.toThrow(/not an int8: 12x/);
    await expect(copy(varying('ts', [new Date(Number.NaN)]))).rejects.toThrow(/not a valid timestamp/);
    expect(await readBack('via_copy')).toEqual([]);
  });
});
