/**
 * What each import kind's file holds: its columns (name, type, required, meaning), the one
 * table docs/import.md describes and the staging table, the checks and the merge are built
 * from. Pure data and functions: no I/O.
 */
import { LifecycleStage } from '../lifecycle/stages';
import { Channel, Direction, TouchpointResponse } from '../touchpoints/touchpoint.enums';

export const IMPORT_KINDS = ['customers', 'purchases', 'touchpoints', 'referrals'] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

/** `cdnow` is CSV in the CDNOW event-log layout (customer_id,date,quantity,amount), purchases only. */
export const IMPORT_FORMATS = ['csv', 'ndjson', 'cdnow'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

export type ColumnType =
  | { kind: 'text' }
  | { kind: 'email' }
  | { kind: 'date' }
  | { kind: 'money' }
  | { kind: 'count' }
  | { kind: 'enum'; values: readonly string[] }
  /** An externalId of an existing customer. */
  | { kind: 'customer' }
  /** A product SKU. */
  | { kind: 'product' }
  /** A persona name. */
  | { kind: 'persona' };

export interface ImportColumn {
  /** The name in the file's header (CSV) or the key (NDJSON). */
  name: string;
  /** Column of the staging table. */
  sql: string;
  type: ColumnType;
  required: boolean;
  /** Rows may not repeat a non-empty value of this column within one file. */
  uniqueInFile?: boolean;
  description: string;
}

const col = (name: string, sql: string, type: ColumnType, required: boolean, description: string, uniqueInFile = false): ImportColumn => ({
  name,
  sql,
  type,
  required,
  description,
  uniqueInFile,
});

export const IMPORT_COLUMNS: Readonly<Record<ImportKind, readonly ImportColumn[]>> = {
  customers: [
    col(
      'externalId',
      'external_id',
      { kind: 'text' },
      true,
      "The customer's key in your system; an existing customer with it is updated.",
      true,
    ),
    col('name', 'name', { kind: 'text' }, true, 'Full name.'),
    col('email', 'email', { kind: 'email' }, false, 'Email address (checked for the shape name@domain.tld).'),
    col('phone', 'phone', { kind: 'text' }, false, 'Phone number, as given.'),
    col('persona', 'persona', { kind: 'persona' }, false, 'Name of an existing persona.'),
    col(
      'stage',
      'stage',
      { kind: 'enum', values: Object.values(LifecycleStage) },
      false,
      'Starting lifecycle stage of a new customer (default IDENTIFIED); ignored for existing customers, whose stage changes only through the stage machine.',
    ),
  ],
  purchases: [
    col('customerExternalId', 'customer_external_id', { kind: 'customer' }, true, 'externalId of the customer who bought.'),
    col(
      'occurredAt',
      'occurred_at',
      { kind: 'date' },
      true,
      'When the purchase happened: ISO 8601 date or date-time (a date alone is midnight UTC).',
    ),
    col(
      'amount',
      'amount',
      { kind: 'money' },
      true,
      'Total amount paid, zero or more, with a point for decimals (rounded to cents; at most 12 digits before the point).',
    ),
    col('quantity', 'quantity', { kind: 'count' }, false, 'Units bought, a whole number ≥ 1 (default 1).'),
    col('productSku', 'product_sku', { kind: 'product' }, false, 'SKU of the product bought; opens a holding.'),
    col(
      'sourceId',
      'source_id',
      { kind: 'text' },
      false,
      'The purchase\u2019s key in your system: a purchase already imported with it is skipped.',
      true,
    ),
  ],
  touchpoints: [
    col('customerExternalId', 'customer_external_id', { kind: 'customer' }, true, 'externalId of the customer.'),
    col('channel', 'channel', { kind: 'enum', values: Object.values(Channel) }, true, 'Where it happened.'),
    col('direction', 'direction', { kind: 'enum', values: Object.values(Direction) }, true, 'Who started it.'),
    col('occurredAt', 'occurred_at', { kind: 'date' }, true, 'When it happened (ISO 8601).'),
    col(
      'response',
      'response',
      { kind: 'enum', values: Object.values(TouchpointResponse) },
      false,
      'How the customer responded (default NO_RESPONSE).',
    ),
    col('campaign', 'campaign', { kind: 'text' }, false, 'Campaign it belongs to.'),
    col('productSku', 'product_sku', { kind: 'product' }, false, 'SKU of the product it was about.'),
    col('note', 'note', { kind: 'text' }, false, 'Free-text note (personal data).'),
    col(
      'sourceId',
      'source_id',
      { kind: 'text' },
      false,
      'The touchpoint\u2019s key in your system: one already imported with it is skipped.',
      true,
    ),
  ],
  referrals: [
    col('referrerExternalId', 'referrer_external_id', { kind: 'customer' }, true, 'externalId of the customer who referred.'),
    col(
      'referredExternalId',
      'referred_external_id',
      { kind: 'customer' },
      true,
      'externalId of the customer referred (referred at most once).',
      true,
    ),
    col('sourceChannel', 'source_channel', { kind: 'enum', values: Object.values(Channel) }, true, 'Channel the referral came through.'),
    col('createdAt', 'created_at', { kind: 'date' }, false, 'When the referral was made (default: the import time).'),
  ],
};

/** Header names of the CDNOW event log (test/fixtures/cdnow, docs/import.md), mapped to purchase columns. */
export const CDNOW_HEADER: Readonly<Record<string, string>> = {
  customer_id: 'customerExternalId',
  date: 'occurredAt',
  quantity: 'quantity',
  amount: 'amount',
};

/** Header names compare without case, spaces, `_` or `-`: `customer_external_id` is `customerExternalId`. */
export const normalizeHeader = (name: string) => name.replace(/[\s_-]/g, '').toLowerCase();

export interface HeaderPlan {
  /** For each column of the file, the import column it fills, or null when ignored. */
  targets: (ImportColumn | null)[];
  /** Required columns the header lacks. */
  missing: ImportColumn[];
  /** Columns of the file nothing reads. */
  ignored: string[];
}

/** Matches a file's header against the kind's columns. */
export function planHeader(kind: ImportKind, header: readonly string[], format: ImportFormat): HeaderPlan {
  const columns = IMPORT_COLUMNS[kind];
  const byName = new Map(columns.map((c) => [normalizeHeader(c.name), c]));
  const seen = new Set<ImportColumn>();
  const ignored: string[] = [];
  const targets = header.map((raw) => {
    const alias = format === 'cdnow' ? CDNOW_HEADER[raw.trim().toLowerCase()] : undefined;
    const column = byName.get(normalizeHeader(alias ?? raw));
    if (!column || seen.has(column)) {
      ignored.push(raw);
      return null;
    }
    seen.add(column);
    return column;
  });
  // CDNOW rows carry no key of their own; the importer derives one (see import.stream.ts).
  const derived = format === 'cdnow' ? new Set(['sourceId']) : new Set<string>();
  const missing = columns.filter((c) => c.required && !seen.has(c) && !derived.has(c.name));
  return { targets, missing, ignored };
}
