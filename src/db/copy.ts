/**
 * Bulk writes with PostgreSQL's COPY (text format), through pg-copy-streams on
 * the EntityManager's own connection, so a COPY joins the caller's transaction.
 * COPY skips the per-row executor work of INSERT … SELECT and the JSON
 * round-trip of jsonb_to_recordset: for tens of thousands of wide rows it is
 * several times faster.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import type { EntityManager } from 'typeorm';

// COPY text format: backslash starts an escape; tab, newline and carriage return separate fields and
// rows. A NUL is dropped: PostgreSQL text cannot hold one.
const ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r', '\0': '' };
const SPECIAL = /[\\\t\n\r\0]/;
/** `text` escaped for COPY; most texts need nothing, and a test is much cheaper than a replace with a callback. */
export const escapeCopy = (text: string) => (SPECIAL.test(text) ? text.replace(/[\\\t\n\r\0]/g, (c) => ESCAPES[c]!) : text);

/** A PostgreSQL array literal of text elements: every element quoted, `"` and `\` escaped. */
export function arrayLiteral(items: readonly string[]): string {
  return `{${items.map((s) => `"${s.replace(/["\\]/g, (c) => `\\${c}`)}"`).join(',')}}`;
}

/** The raw node-postgres client behind a TypeORM EntityManager's query runner. */
async function rawClient(em: EntityManager): Promise<{ query(stream: unknown): NodeJS.WritableStream }> {
  const runner = em.queryRunner;
  if (!runner) throw new Error('copyRows needs an EntityManager with a query runner (inside inTransaction).');
  // TypeORM keeps the pg client it checked out of the pool on the runner; connect() returns it.
  return (await runner.connect()) as { query(stream: unknown): NodeJS.WritableStream };
}

/**
 * Streams `rows` (newline-terminated lines in COPY text format: escapeCopy, arrayLiteral) into `COPY <table> (<columns>) FROM STDIN` on `em`'s
 * connection. Lines are sent in chunks of about 256 kB; backpressure is respected. `freeze`, for a
 * table created (or truncated) in the same transaction, writes the rows frozen and their pages
 * all-visible, so the first readers after the commit do not rewrite every page to set hint bits.
 */
export async function copyRows(
  em: EntityManager,
  table: string,
  columns: readonly string[],
  rows: Iterable<string>,
  options: { freeze?: boolean } = {},
): Promise<void> {
  const client = await rawClient(em);
  const sql = `COPY ${table} (${columns.join(', ')}) FROM STDIN${options.freeze ? ' WITH (FREEZE)' : ''}`;
  // The stream bypasses TypeORM's query method, so report the statement to its logger (statement counters listen there).
  em.connection.logger.logQuery(sql, [], em.queryRunner);
  const sink = client.query(copyFrom(sql));
  function* chunks(): Generator<string> {
    let buffer = '';
    for (const row of rows) {
      buffer += row;
      if (buffer.length >= 262_144) {
        yield buffer;
        buffer = '';
      }
    }
    if (buffer) yield buffer;
  }
  await pipeline(Readable.from(chunks()), sink as NodeJS.WritableStream);
}
