/**
 * The streaming half of an import: bytes in (a file or a request body), PostgreSQL COPY text
 * out, one row per record, into the staging table. Nothing is held beyond the current chunk,
 * and pipeline() carries backpressure from COPY back to the reader, so memory stays flat
 * whatever the file size.
 *
 * Each staging row starts with the record's line number and a parse error (or null), then the
 * kind's columns in IMPORT_COLUMNS order; every value travels as text and is checked in SQL
 * (import.checks.ts), where checking five million rows costs one scan.
 */
import { StringDecoder } from 'node:string_decoder';
import { Transform, type TransformCallback } from 'node:stream';
import split2 from 'split2';
import { escapeCopy } from '../../db/copy';
import {
  IMPORT_COLUMNS,
  normalizeHeader,
  planHeader,
  type HeaderPlan,
  type ImportColumn,
  type ImportFormat,
  type ImportKind,
} from './import.kinds';

/** One record as the parsers hand it on: CSV fields, or an NDJSON line's value. */
type CsvRecord = string[];
type JsonRecord = { line: number; value: unknown; error: string | null };

const FLUSH_CHARS = 64 * 1024;

/** A value as COPY's text format wants it: `\N` for null; backslash, tab, newline and CR escaped; NUL dropped (text cannot hold it). */
export function copyText(value: string | null): string {
  return value === null ? '\\N' : escapeCopy(value);
}

/** Trimmed value, or null when empty. */
function clean(value: string | undefined | null): string | null {
  if (value == null || value.length === 0) return null;
  const first = value.charCodeAt(0);
  const last = value.charCodeAt(value.length - 1);
  if (first > 32 && last > 32) return value;
  const t = value.trim();
  return t.length ? t : null;
}

export interface EncoderState {
  /** Data records read so far. */
  rows: number;
  /** The CSV header's plan; for NDJSON, the columns seen (no header). */
  plan: HeaderPlan | null;
}

/** The longest CSV record read: 4 Mi characters. */
export const MAX_CSV_RECORD_CHARS = 4 * 1024 * 1024;

const DECODE_BYTES = 64 * 1024;
const QUOTE = 34;
const COMMA = 44;
const LF = 10;
const CR = 13;

/**
 * CSV as RFC 4180 has it (and as csv-parse read it here before): comma separated, fields quoted
 * with `"` (`""` inside is one quote) may hold commas, quotes and line breaks; records end with LF
 * or CRLF (a lone CR is data); a UTF-8 byte-order mark is skipped; records may differ in length.
 * A quote inside an unquoted field, anything but a delimiter after a closing quote, or a quote
 * left open at the end is an error (the import then fails and writes nothing).
 *
 * Hand-written because csv-parse cost three quarters of the Node CPU time of a purchase import
 * (a Buffer slice and decode per field, one stream write per record): this one decodes each chunk
 * once, slices fields out of the string and hands on all of a chunk's records at once. papaparse
 * was measured too (six times csv-parse's speed) but, streaming, keeps the byte-order mark in the
 * first field and reads CRLF files whose first chunk has no line break with LF records (a CR left
 * in each last field), and does not refuse malformed quoting. Unit tests hold this reader to
 * csv-parse's records and refusals, for fixed samples and 2,000 random ones, split anywhere.
 */
export class CsvReader {
  /** `maxRecordChars`: a longer record is an error (each chunk re-reads the unfinished record, so this bounds that work). */
  constructor(private readonly maxRecordChars = MAX_CSV_RECORD_CHARS) {}

  private readonly decoder = new StringDecoder('utf8');
  /** The start of a record whose end is in a later chunk. */
  private rest = '';
  private started = false;
  /** Records completed so far (for error messages). */
  private line = 1;

  /** The complete records of `chunk` and what came before it; `null` means the end of the input. */
  records(chunk: Buffer | null): string[][] {
    const out: string[][] = [];
    if (chunk === null) this.parse(this.decoder.end(), true, out);
    // Decoded 64 KiB at a time: a longer string is a large object to V8, freed only by a full
    // collection, and a 5M-row file held a hundred MB more of them at its peak.
    else
      for (let at = 0; at < chunk.length; at += DECODE_BYTES)
        this.parse(this.decoder.write(chunk.subarray(at, at + DECODE_BYTES)), false, out);
    return out;
  }

  private parse(decoded: string, final: boolean, out: string[][]): void {
    let text = decoded;
    if (!this.started) {
      if (text.length === 0 && !final) return;
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    const buf = this.rest.length ? this.rest + text : text;
    const n = buf.length;
    const before = out.length;
    let pos = 0;
    records: while (pos < n) {
      const fields: string[] = [];
      let i = pos;
      for (;;) {
        if (i < n && buf.charCodeAt(i) === QUOTE) {
          let value = '';
          let from = i + 1;
          for (;;) {
            const q = buf.indexOf('"', from);
            if (q === -1 || (q + 1 >= n && !final)) {
              if (final) throw new Error(`CSV: a quote is not closed (record ${this.line + out.length - before})`);
              break records;
            }
            if (buf.charCodeAt(q + 1) === QUOTE) {
              value += buf.slice(from, q + 1);
              from = q + 2;
              continue;
            }
            value += buf.slice(from, q);
            i = q + 1;
            break;
          }
          fields.push(value);
          if (i >= n) break; // final: the last record ends with the input
          const c = buf.charCodeAt(i);
          if (c === COMMA) {
            i++;
            continue;
          }
          if (c === LF) {
            i++;
            break;
          }
          if (c === CR && i + 1 < n && buf.charCodeAt(i + 1) === LF) {
            i += 2;
            break;
          }
          if (c === CR && i + 1 >= n && !final) break records;
          throw new Error(
            `CSV: invalid closing quote, a field ends with ${JSON.stringify(buf[i])} (record ${this.line + out.length - before})`,
          );
        }
        let j = i;
        let c = -1;
        while (j < n) {
          c = buf.charCodeAt(j);
          if (c === COMMA || c === LF || c === QUOTE) break;
          if (c === CR) {
            if (j + 1 < n) {
              if (buf.charCodeAt(j + 1) === LF) break;
            } else if (!final) break records;
          }
          j++;
        }
        if (j >= n) {
          if (!final) break records;
          fields.push(buf.slice(i, j));
          i = j;
          break;
        }
        if (c === QUOTE)
          throw new Error(`CSV: invalid opening quote, a quote inside an unquoted field (record ${this.line + out.length - before})`);
        fields.push(buf.slice(i, j));
        if (c === COMMA) {
          i = j + 1;
          continue;
        }
        i = j + (c === CR ? 2 : 1);
        break;
      }
      out.push(fields);
      pos = i;
    }
    this.rest = pos < n ? buf.slice(pos) : '';
    this.line += out.length - before;
    if (this.rest.length > this.maxRecordChars) {
      throw new Error(`CSV: record ${this.line} is longer than ${this.maxRecordChars} characters (a quote left open?)`);
    }
  }
}

/** Parsers for a format: bytes in, records out (object mode; CSV: an array of records per chunk). */
export function recordParser(format: ImportFormat): Transform {
  if (format === 'ndjson') {
    let line = 0;
    return split2((text: string): JsonRecord | undefined => {
      line++;
      if (text.trim().length === 0) return undefined;
      try {
        return { line, value: JSON.parse(text), error: null };
      } catch {
        return { line, value: null, error: 'not valid JSON' };
      }
    });
  }
  // Line numbers are counted in copyEncoder. Empty lines come through as one empty field, so the
  // count stays exact; they are skipped there.
  const reader = new CsvReader();
  return new Transform({
    readableObjectMode: true,
    // A batch is the records of 64 KiB; few wait between the streams, so they die young (many
    // waiting batches got promoted to V8's old generation and raised the peak RSS).
    readableHighWaterMark: 2,
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      try {
        for (let at = 0; at < chunk.length; at += DECODE_BYTES) {
          const records = reader.records(chunk.subarray(at, at + DECODE_BYTES));
          if (records.length) this.push(records);
        }
      } catch (err) {
        return done(err as Error);
      }
      done();
    },
    flush(done: TransformCallback) {
      let records: string[][];
      try {
        records = reader.records(null);
      } catch (err) {
        return done(err as Error);
      }
      if (records.length) this.push(records);
      done();
    },
  });
}

/**
 * Records → COPY text rows of the staging table. For CSV the first record is the header; when
 * it lacks a required column the rest is read and dropped (state.plan.missing says why), so an
 * HTTP body is still consumed to its end and the caller can answer with a report.
 */
export function copyEncoder(kind: ImportKind, format: ImportFormat, state: EncoderState): Transform {
  const columns = IMPORT_COLUMNS[kind];
  const position = new Map(columns.map((c, i) => [c, i]));
  const byKey = new Map(columns.map((c) => [normalizeHeader(c.name), c]));
  let buffer = '';
  let slots: (number | null)[] | null = null;
  let dropping = false;
  /** The line the next CSV record starts on. */
  let nextLine = 1;
  const sourceIdSlot = format === 'cdnow' ? columns.findIndex((c) => c.name === 'sourceId') : -1;
  const values: (string | null)[] = new Array(columns.length);

  const emit = (line: number, parseError: string | null) => {
    let row = `${line}\t${copyText(parseError)}`;
    for (let i = 0; i < values.length; i++) row += `\t${copyText(values[i]!)}`;
    buffer += `${row}\n`;
  };

  const csvRecord = (record: CsvRecord) => {
    const line = nextLine;
    nextLine++;
    // A quoted field may span lines.
    for (let i = 0; i < record.length; i++) {
      const f = record[i]!;
      for (let at = f.indexOf('\n'); at !== -1; at = f.indexOf('\n', at + 1)) nextLine++;
    }
    if (record.length === 1 && record[0] === '') return;
    if (!slots) {
      state.plan = planHeader(kind, record, format);
      slots = state.plan.targets.map((t: ImportColumn | null) => (t ? position.get(t)! : null));
      dropping = state.plan.missing.length > 0;
      return;
    }
    state.rows++;
    if (dropping) return;
    values.fill(null);
    const n = Math.min(record.length, slots.length);
    for (let i = 0; i < n; i++) {
      const slot = slots[i];
      if (slot !== null) values[slot!] = clean(record[i]);
    }
    if (sourceIdSlot >= 0) values[sourceIdSlot] = `cdnow:${line}`;
    emit(line, record.length === slots.length ? null : `has ${record.length} fields where the header has ${slots.length}`);
  };

  return new Transform({
    writableObjectMode: true,
    writableHighWaterMark: format === 'ndjson' ? 16 : 2,
    readableObjectMode: false,
    /** NDJSON: one record; CSV: the records of one chunk (recordParser). */
    transform(chunk: CsvRecord[] | JsonRecord, _enc, done: TransformCallback) {
      if (format === 'ndjson') {
        values.fill(null);
        const r = chunk as JsonRecord;
        state.rows++;
        let error = r.error;
        if (!error && (r.value === null || typeof r.value !== 'object' || Array.isArray(r.value))) error = 'not a JSON object';
        if (!error) {
          for (const [key, v] of Object.entries(r.value as Record<string, unknown>)) {
            const column = byKey.get(normalizeHeader(key));
            if (!column) continue;
            values[position.get(column)!] = v === null || v === undefined ? null : clean(typeof v === 'string' ? v : JSON.stringify(v));
          }
        }
        emit(r.line, error);
      } else {
        for (const record of chunk as CsvRecord[]) {
          csvRecord(record);
          if (buffer.length >= FLUSH_CHARS) {
            this.push(buffer);
            buffer = '';
          }
        }
      }
      if (buffer.length >= FLUSH_CHARS) {
        const out = buffer;
        buffer = '';
        this.push(out);
      }
      done();
    },
    flush(done: TransformCallback) {
      if (buffer.length) this.push(buffer);
      buffer = '';
      done();
    },
  });
}
