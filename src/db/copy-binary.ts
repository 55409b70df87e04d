/**
 * Rows in COPY's binary format (PostgreSQL docs, "COPY: Binary Format"): each value is sent in
 * its type's send representation, so neither side turns numbers into text and back. A fit writes
 * about forty floating-point values per customer: formatting them as text cost Node about 12 µs a
 * row (shortest round-trip decimals), and PostgreSQL as much again to parse them; in binary, a
 * double is eight bytes copied. The values are exactly the same either way.
 *
 * Only the types the writers here need. pg-copy-streams-binary (the maintained encoder) has no
 * `numeric` and allocates a buffer per value, so the encoder is ours: a growing buffer and a
 * DataView, handed out in chunks for pg-copy-streams.
 */

/** The column types {@link BinaryRows} encodes, by their PostgreSQL names. */
export type BinaryType = 'int4' | 'int8' | 'float8' | 'numeric' | 'text' | 'json' | 'timestamptz' | 'int8[]' | 'text[]';

/** Element type OIDs of the arrays (array_recv checks them against the column's). */
const INT8_OID = 20;
const TEXT_OID = 25;
/** PostgreSQL's epoch, 2000-01-01, in Unix milliseconds: timestamps are microseconds from it. */
const PG_EPOCH_MS = 946_684_800_000;
const TWO_32 = 4_294_967_296;
/** Signature, flags and header-extension length: the 19 bytes that open a binary COPY. */
const HEADER = Buffer.from([0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0]);
/** A field count of -1 ends the data. */
const TRAILER = Buffer.from([0xff, 0xff]);
/** A plain decimal as numeric's text form writes it (no exponent): sign, integer digits, fraction digits. */
const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;
/** numeric's sign words. */
const NUMERIC_POS = 0x0000;
const NUMERIC_NEG = 0x4000;
/** Room past a full chunk for the row that fills it (a larger row moves the chunk to a larger buffer). */
const HEADROOM = 65_536;

export class BinaryRows {
  private buf: Buffer;
  private view: DataView;
  private pos = 0;

  constructor(private readonly chunkSize = 262_144) {
    this.buf = Buffer.allocUnsafe(chunkSize + HEADROOM);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    this.bytes(HEADER);
  }

  /** True once the rows written make a chunk worth sending. */
  get full(): boolean {
    return this.pos >= this.chunkSize;
  }

  /** The bytes written since the last take, and a fresh buffer for the next ones (the stream keeps the old one). */
  take(): Buffer {
    const out = this.buf.subarray(0, this.pos);
    this.buf = Buffer.allocUnsafe(this.chunkSize + HEADROOM);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    this.pos = 0;
    return out;
  }

  /** The last bytes, with the trailer. */
  end(): Buffer {
    this.bytes(TRAILER);
    return this.take();
  }

  /** Starts a row of `fields` values. */
  row(fields: number): void {
    this.reserve(2);
    this.view.setInt16(this.pos, fields);
    this.pos += 2;
  }

  null(): void {
    this.reserve(4);
    this.view.setInt32(this.pos, -1);
    this.pos += 4;
  }

  /** A value of `type`, or NULL for null and undefined. */
  value(type: BinaryType, v: unknown): void {
    if (v === null || v === undefined) return this.null();
    switch (type) {
      case 'int4':
        return this.int4(v as number);
      case 'int8':
        return this.int8(v as number | string);
      case 'float8':
        return this.float8(v as number);
      case 'numeric':
        return this.numeric(v as string);
      case 'text':
        return this.text(v as string);
      case 'json':
        return this.text(typeof v === 'string' ? v : JSON.stringify(v));
      case 'timestamptz':
        return this.timestamptz(v as Date);
      case 'int8[]':
        return this.int8Array(v as readonly (number | string)[]);
      case 'text[]':
        return this.textArray(v as readonly string[]);
    }
  }

  int4(v: number): void {
    if (!Number.isInteger(v) || v < -2_147_483_648 || v > 2_147_483_647) throw new RangeError(`not an int4: ${v}`);
    this.reserve(8);
    this.view.setInt32(this.pos, 4);
    this.view.setInt32(this.pos + 4, v);
    this.pos += 8;
  }

  /** Ids arrive as the decimal strings pg returns for bigint. */
  int8(v: number | string): void {
    this.reserve(12);
    this.view.setInt32(this.pos, 8);
    this.int64At(this.pos + 4, v);
    this.pos += 12;
  }

  float8(v: number): void {
    this.reserve(12);
    this.view.setInt32(this.pos, 8);
    this.view.setFloat64(this.pos + 4, v);
    this.pos += 12;
  }

  /** Microseconds from 2000-01-01; Dates hold milliseconds, so this is exact. */
  timestamptz(v: Date): void {
    const ms = v.getTime();
    if (!Number.isFinite(ms)) throw new RangeError('not a valid timestamp: Invalid Date');
    this.reserve(12);
    this.view.setInt32(this.pos, 8);
    this.int64At(this.pos + 4, (ms - PG_EPOCH_MS) * 1000);
    this.pos += 12;
  }

  /** UTF-8 text. PostgreSQL text cannot hold a NUL, so NULs are dropped (as the text format's writer does). */
  text(v: string): void {
    const s = v.includes('\0') ? v.replaceAll('\0', '') : v;
    this.reserve(4 + s.length * 3);
    const n = this.buf.write(s, this.pos + 4, 'utf8');
    this.view.setInt32(this.pos, n);
    this.pos += 4 + n;
  }

  /**
   * A decimal string (as `toFixed` or numeric's own text gives it) in numeric's send format: base-10000
   * digits aligned on the decimal point, the weight of the first, and the display scale (the
   * fraction digits written). Leading and trailing zero digits are left out, as PostgreSQL stores them.
   */
  numeric(v: string): void {
    const m = DECIMAL.exec(v);
    if (!m) throw new RangeError(`not a plain decimal number: ${v}`);
    const int = m[2]!;
    const frac = m[3] ?? '';
    const intGroups = Math.ceil(int.length / 4);
    const digits = int.padStart(intGroups * 4, '0') + frac.padEnd(Math.ceil(frac.length / 4) * 4, '0');
    let first = 0;
    let last = digits.length / 4;
    while (first < last && Number(digits.slice(first * 4, first * 4 + 4)) === 0) first++;
    while (last > first && Number(digits.slice(last * 4 - 4, last * 4)) === 0) last--;
    const n = last - first;
    this.reserve(12 + 2 * n);
    this.view.setInt32(this.pos, 8 + 2 * n);
    this.view.setInt16(this.pos + 4, n);
    this.view.setInt16(this.pos + 6, n === 0 ? 0 : intGroups - 1 - first);
    this.view.setUint16(this.pos + 8, n > 0 && m[1] === '-' ? NUMERIC_NEG : NUMERIC_POS);
    this.view.setInt16(this.pos + 10, frac.length);
    for (let i = 0; i < n; i++) this.view.setInt16(this.pos + 12 + 2 * i, Number(digits.slice((first + i) * 4, (first + i) * 4 + 4)));
    this.pos += 12 + 2 * n;
  }

  /** A one-dimensional bigint array (no NULL elements); empty is the zero-dimensional array, as '{}' is. */
  int8Array(items: readonly (number | string)[]): void {
    const start = this.arrayHeader(items.length, INT8_OID, 12 * items.length);
    for (const item of items) this.int8(item);
    this.view.setInt32(start, this.pos - start - 4);
  }

  /** A one-dimensional text array (no NULL elements). */
  textArray(items: readonly string[]): void {
    const start = this.arrayHeader(items.length, TEXT_OID, 0);
    for (const item of items) this.text(item);
    this.view.setInt32(start, this.pos - start - 4);
  }

  /** Writes an array's dimensions after room for its length (filled in by the caller); returns where the length goes. */
  private arrayHeader(count: number, elementOid: number, elementBytes: number): number {
    this.reserve(24 + elementBytes);
    const start = this.pos;
    this.view.setInt32(start + 4, count === 0 ? 0 : 1);
    this.view.setInt32(start + 8, 0);
    this.view.setInt32(start + 12, elementOid);
    this.pos += 16;
    if (count > 0) {
      this.view.setInt32(this.pos, count);
      this.view.setInt32(this.pos + 4, 1);
      this.pos += 8;
    }
    return start;
  }

  /** A signed 64-bit integer from a safe JavaScript integer or a decimal string. */
  private int64At(at: number, v: number | string): void {
    const n = typeof v === 'number' ? v : Number(v);
    if (Number.isSafeInteger(n)) {
      const high = Math.floor(n / TWO_32);
      this.view.setInt32(at, high);
      this.view.setUint32(at + 4, n - high * TWO_32);
    } else if (typeof v === 'string' && /^-?\d+$/.test(v)) {
      this.view.setBigInt64(at, BigInt(v));
    } else {
      throw new RangeError(`not an int8: ${v}`);
    }
  }

  private bytes(b: Buffer): void {
    this.reserve(b.length);
    b.copy(this.buf, this.pos);
    this.pos += b.length;
  }

  /** Room for `n` more bytes: a row larger than what is left moves the chunk to a larger buffer. */
  private reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(bigger, 0, 0, this.pos);
    this.buf = bigger;
    this.view = new DataView(bigger.buffer, bigger.byteOffset, bigger.byteLength);
  }
}
