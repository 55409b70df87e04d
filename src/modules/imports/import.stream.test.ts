import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse as csvParseSync } from 'csv-parse/sync';
import { copyEncoder, copyText, CsvReader, recordParser, type EncoderState } from './import.stream';
import type { ImportFormat, ImportKind } from './import.kinds';

/** Runs `text` through the parser and encoder; returns the COPY rows split into fields. */
async function encode(kind: ImportKind, format: ImportFormat, text: string): Promise<{ rows: string[][]; state: EncoderState }> {
  const state: EncoderState = { rows: 0, plan: null };
  let out = '';
  await pipeline(
    Readable.from([Buffer.from(text)]),
    recordParser(format),
    copyEncoder(kind, format, state),
    new Writable({
      write(chunk: Buffer, _enc, done) {
        out += chunk.toString();
        done();
      },
    }),
  );
  return {
    rows: out
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split('\t')),
    state,
  };
}

describe('copyText', () => {
  it('escapes what COPY text format treats specially', () => {
    expect(copyText(null)).toBe('\\N');
    expect(copyText('plain')).toBe('plain');
    expect(copyText('a\\b\tc\nd\re')).toBe('a\\\\b\\tc\\nd\\re');
    expect(copyText('nul\0byte')).toBe('nulbyte');
  });
});

/** Every record of `bytes` read in chunks of `size` bytes (a chunk may end inside a UTF-8 character). */
function readCsv(bytes: Buffer, size: number): string[][] {
  const reader = new CsvReader();
  const out: string[][] = [];
  for (let at = 0; at < bytes.length; at += size) out.push(...reader.records(bytes.subarray(at, at + size)));
  out.push(...reader.records(null));
  return out;
}

describe('CsvReader', () => {
  // csv-parse (what the import used before) is the reference for what the format means.
  const samples = [
    'a,b,c\n1,2,3\n',
    'a,b\r\n1,2\r\n',
    'a,b\n1,2',
    '\ufeffexternalId,name\nc-1,Zoë Ünal\n',
    'a,b\n"x, y","say ""hi"""\n',
    'a,b\n"multi\r\nline",2\n"",\n',
    'a\n\n\nb\n',
    'a,b,c\n1\n1,2,3,4\n,,\n',
    'a,b\r\n"€€€","日本"\r\n',
    '"only"',
  ];
  it.each(samples)('reads %j as csv-parse does, however the input is split', (text) => {
    const bytes = Buffer.from(text);
    const expected = csvParseSync(text, { bom: true, relax_column_count: true });
    for (let size = 1; size <= bytes.length; size++) expect(readCsv(bytes, size)).toEqual(expected);
  });

  it('reads a long input in any chunk size as csv-parse does', () => {
    const pick = (i: number) => ['plain', 'Zoë, "the" ünal', 'line\r\nbreak', '', '日本語テキスト'][i % 5]!;
    const quoted = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
    const text = Array.from({ length: 4000 }, (_, i) => [i, pick(i), pick(i * 7 + 3)].map((v) => quoted(String(v))).join(',')).join('\r\n');
    const expected = csvParseSync(text, { relax_column_count: true });
    for (const size of [7, 65_535, 65_537, 200_000]) expect(readCsv(Buffer.from(text), size)).toEqual(expected);
  });

  it('reads random CSV as csv-parse does, records or refusal, split at random points', () => {
    // A seeded generator (the same cases every run) over the characters CSV treats specially.
    let seed = 20261203;
    const next = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    for (let run = 0; run < 2000; run++) {
      // One kind of line break per file: csv-parse takes the first it meets as the only one (a lone
      // CR too, as in old Mac files), the reader takes LF and CRLF anywhere and a lone CR as data.
      const alphabet = ['a', 'b', ',', '"', next() < 0.5 ? '\n' : '\r\n', 'é', '日', ' '];
      let text = '';
      const length = Math.floor(next() * 24);
      for (let i = 0; i < length; i++) text += alphabet[Math.floor(next() * alphabet.length)];
      const bytes = Buffer.from(text);
      const size = 1 + Math.floor(next() * Math.max(1, bytes.length));
      let expected: string[][] | 'refused';
      try {
        expected = csvParseSync(text, { bom: true, relax_column_count: true });
      } catch {
        expected = 'refused';
      }
      let actual: string[][] | 'refused';
      try {
        actual = readCsv(bytes, size);
      } catch {
        actual = 'refused';
      }
      expect({ text, actual }).toEqual({ text, actual: expected });
    }
  });

  it('refuses a record longer than its limit, before the end of the input', () => {
    const reader = new CsvReader(100);
    expect(reader.records(Buffer.from('a,b\n1,2\n"' + 'x'.repeat(60)))).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
    expect(() => reader.records(Buffer.from('y'.repeat(60)))).toThrow(/CSV: record 3 is longer than 100 characters/);
  });

  it.each(['a"b,c\n', '"a"b,c\n', '"abc\n', 'a, "b"\n'])('refuses malformed quoting in %j, as csv-parse does', (text) => {
    expect(() => csvParseSync(text, { bom: true, relax_column_count: true })).toThrow();
    for (const size of [1, 2, 64]) expect(() => readCsv(Buffer.from(text), size)).toThrow(/CSV: /);
  });
});

describe('copyEncoder', () => {
  it('numbers CSV records by the line they start on, across quoted newlines, empty lines and CRLF', async () => {
    const csv = 'externalId,name,email\r\nc-1,"Ann\r\nLee",a@x.io\r\n\r\nc-2, Bob ,\r\nc-3\r\n';
    const { rows, state } = await encode('customers', 'csv', csv);
    expect(state.rows).toBe(3);
    expect(rows.map((r) => [r[0], r[1], r[2], r[3], r[4]])).toEqual([
      ['2', '\\N', 'c-1', 'Ann\\r\\nLee', 'a@x.io'],
      ['5', '\\N', 'c-2', 'Bob', '\\N'],
      ['6', 'has 1 fields where the header has 3', 'c-3', '\\N', '\\N'],
    ]);
  });

  it('maps header names without case, spaces or underscores, and lists the ones it ignores', async () => {
    const { rows, state } = await encode('purchases', 'csv', 'customer_external_id,Occurred At,AMOUNT,colour\nc-1,2025-01-01,5.00,red\n');
    expect(state.plan?.ignored).toEqual(['colour']);
    expect(state.plan?.missing).toEqual([]);
    // line, parse error, customerExternalId, occurredAt, amount, quantity, productSku, sourceId
    expect(rows).toEqual([['2', '\\N', 'c-1', '2025-01-01', '5.00', '\\N', '\\N', '\\N']]);
  });

  it('reads nothing more once a required column is missing', async () => {
    const { rows, state } = await encode('purchases', 'csv', 'customerExternalId,amount\nc-1,5\nc-2,6\n');
    expect(state.plan?.missing.map((c) => c.name)).toEqual(['occurredAt']);
    expect(state.rows).toBe(2);
    expect(rows).toEqual([]);
  });

  it('CDNOW: maps the event-log header and derives a source id from the line', async () => {
    const { rows } = await encode('purchases', 'cdnow', 'customer_id,date,quantity,amount\n00001,1997-01-01,2,29.33\n');
    expect(rows).toEqual([['2', '\\N', '00001', '1997-01-01', '29.33', '2', '\\N', 'cdnow:2']]);
  });

  it('NDJSON: keys in any spelling, numbers as text, a bad line named by its number', async () => {
    const ndjson = '{"customerExternalId":"c-1","occurredAt":"2025-01-01","amount":5.5}\n\n[1,2]\n{oops\n';
    const { rows, state } = await encode('purchases', 'ndjson', ndjson);
    expect(state.rows).toBe(3);
    expect(rows.map((r) => r.slice(0, 5))).toEqual([
      ['1', '\\N', 'c-1', '2025-01-01', '5.5'],
      ['3', 'not a JSON object', '\\N', '\\N', '\\N'],
      ['4', 'not valid JSON', '\\N', '\\N', '\\N'],
    ]);
  });
});
