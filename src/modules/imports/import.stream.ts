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
import { Transform, type TransformCallback } from 'node:stream';
import { parse as csvParse } from 'csv-parse';
import split2 from 'split2';
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

const COPY_SPECIAL = /[\\\t\n\r\0]/;
const COPY_ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r', '\0': '' };

/** A value as COPY's text format wants it: `\N` for null; backslash, tab, newline and CR escaped; NUL dropped (text cannot hold it). */
export function copyText(value: string | null): string {
  if (value === null) return '\\N';
  return COPY_SPECIAL.test(value) ? value.replace(/[\\\t\n\r\0]/g, (c) => COPY_ESCAPES[c]!) : value;
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

/** Parsers for a format: bytes in, records out (object mode). */
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
  // Line numbers are counted in copyEncoder: csv-parse's `info` option halves its speed. Empty
  // lines come through as one empty field, so the count stays exact; they are skipped there.
  return csvParse({ bom: true, relax_column_count: true });
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

  return new Transform({
    writableObjectMode: true,
    readableObjectMode: false,
    transform(chunk: CsvRecord | JsonRecord, _enc, done: TransformCallback) {
      values.fill(null);
      if (format === 'ndjson') {
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
        const record = chunk as CsvRecord;
        const line = nextLine;
        nextLine++;
        // A quoted field may span lines.
        for (let i = 0; i < record.length; i++) {
          const f = record[i]!;
          for (let at = f.indexOf('\n'); at !== -1; at = f.indexOf('\n', at + 1)) nextLine++;
        }
        if (record.length === 1 && record[0] === '') return done();
        if (!slots) {
          state.plan = planHeader(kind, record, format);
          slots = state.plan.targets.map((t: ImportColumn | null) => (t ? position.get(t)! : null));
          dropping = state.plan.missing.length > 0;
          return done();
        }
        state.rows++;
        if (dropping) return done();
        const n = Math.min(record.length, slots.length);
        for (let i = 0; i < n; i++) {
          const slot = slots[i];
          if (slot !== null) values[slot!] = clean(record[i]);
        }
        if (sourceIdSlot >= 0) values[sourceIdSlot] = `cdnow:${line}`;
        emit(line, record.length === slots.length ? null : `has ${record.length} fields where the header has ${slots.length}`);
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
