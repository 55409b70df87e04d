/**
 * Bulk writes with PostgreSQL's COPY, through pg-copy-streams on the
 * EntityManager's own connection, so a COPY joins the caller's transaction.
 * COPY skips the per-row executor work of INSERT … SELECT and the JSON
 * round-trip of jsonb_to_recordset: for tens of thousands of wide rows it is
 * several times faster.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import type { EntityManager } from 'typeorm';
import { BinaryRows } from './copy-binary';

// COPY text format (the import's staging rows): backslash starts an escape; tab, newline and
// carriage return separate fields and rows. A NUL is dropped: PostgreSQL text cannot hold one.
const ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r', '\0': '' };
const SPECIAL = /[\\\t\n\r\0]/;
/** `text` escaped for COPY; most texts need nothing, and a test is much cheaper than a replace with a callback. */
export const escapeCopy = (text: string) => (SPECIAL.test(text) ? text.replace(/[\\\t\n\r\0]/g, (c) => ESCAPES[c]!) : text);

/** The raw node-postgres client behind a TypeORM EntityManager's query runner. */
async function rawClient(em: EntityManager): Promise<{ query(stream: unknown): NodeJS.WritableStream }> {
  const runner = em.queryRunner;
  if (!runner) throw new Error('copyRows needs an EntityManager with a query runner (inside inTransaction).');
  // TypeORM keeps the pg client it checked out of the pool on the runner; connect() returns it.
  return (await runner.connect()) as { query(stream: unknown): NodeJS.WritableStream };
}

/**
 * Streams `rows` into `COPY <table> (<columns>) FROM STDIN` in binary format on `em`'s connection:
 * `write` puts each row into the encoder (copy-binary.ts), in the columns' order and types, and the
 * bytes go out in chunks of about 256 kB as they fill, so Node encodes the next rows while
 * PostgreSQL stores the last ones; backpressure is respected. `freeze`, for a table created (or
 * truncated) in the same transaction, writes the rows frozen and their pages all-visible, so the
 * first readers after the commit do not rewrite every page to set hint bits.
 */
export async function copyRows<T>(
  em: EntityManager,
  table: string,
  columns: readonly string[],
  rows: Iterable<T>,
  write: (out: BinaryRows, row: T) => void,
  options: { freeze?: boolean } = {},
): Promise<void> {
  const client = await rawClient(em);
  const sql = `COPY ${table} (${columns.join(', ')}) FROM STDIN WITH (FORMAT binary${options.freeze ? ', FREEZE' : ''})`;
  // The stream bypasses TypeORM's query method, so report the statement to its logger (statement counters listen there).
  em.connection.logger.logQuery(sql, [], em.queryRunner);
  const sink = client.query(copyFrom(sql));
  function* chunks(): Generator<Buffer> {
    const out = new BinaryRows();
    for (const row of rows) {
      write(out, row);
      if (out.full) yield out.take();
    }
    yield out.end();
  }
  await pipeline(Readable.from(chunks()), sink as NodeJS.WritableStream);
}
