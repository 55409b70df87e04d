/**
 * How a GraphQL object type is stored: its table and, per field, the SQL that
 * produces the field's value. The read compiler (src/graphql/sql/) turns a
 * query's selection into one SQL statement from these maps; each module
 * declares the map of its own types beside its entities (`<area>.sql.ts`).
 *
 * Every SQL fragment is a function of the row alias, so the compiler can nest
 * the same type at any depth under its own alias.
 */
import type { ChildFilter, Ordering } from './keyset';

/** How a column's value is written into the JSON response. */
export type JsonFormat =
  /** As PostgreSQL's JSON of the value (text, integers, floats, booleans, arrays). */
  | 'plain'
  /** timestamptz as ISO 8601 in UTC with milliseconds, like `Date.toISOString()`. */
  | 'datetime'
  /** numeric as a decimal string with two places ("42.50"), like the Money scalar. */
  | 'money';

/** A field read from the row (or computed from it by a scalar SQL expression). */
export interface ColumnField {
  kind: 'column';
  sql: (row: string) => string;
  format: JsonFormat;
}

/**
 * A to-one reference: the row of `target` whose id is `foreignKey` (null when
 * there is none); or, with `from`, the one row the `FROM … WHERE …` clause it
 * writes finds under the alias it is given.
 */
export interface ReferenceField {
  kind: 'reference';
  target: string;
  foreignKey?: (row: string) => string;
  from?: (alias: string, row: string) => string;
}

/**
 * A nested object held in a value (e.g. an element of a jsonb column): its
 * map's fields read `<alias>.v`. Null when the value is null.
 */
export interface EmbeddedField {
  kind: 'embedded';
  target: string;
  value: (row: string) => string;
}

/**
 * A list of nested objects: `from(alias, row)` writes a FROM clause whose rows
 * (under `alias`) are the items, `order(alias)` their order.
 */
export interface EmbeddedListField {
  kind: 'embeddedList';
  target: string;
  from: (alias: string, row: string) => string;
  order: (alias: string) => string;
}

/** A to-one reference the other way: the row of `target` whose `column` equals this row's id. */
export interface BackReferenceField {
  kind: 'backReference';
  target: string;
  column: string;
}

/** A child filter built from the field's (coerced) `filter` argument: SQL over `row`, values added with `param`. */
export type ChildFilterSql = (
  filter: Record<string, unknown> | null | undefined,
  row: string,
  param: (value: unknown, type: string) => string,
) => string[];

/** A Relay connection of `target` rows whose `parentColumn` equals this row's id. */
export interface ConnectionField {
  kind: 'connection';
  target: string;
  parentColumn: string;
  ordering: Ordering;
  filter?: ChildFilterSql;
}

export type FieldMap = ColumnField | ReferenceField | BackReferenceField | ConnectionField | EmbeddedField | EmbeddedListField;

/** One GraphQL object type stored in one table. */
export interface SqlObjectMap {
  /** The GraphQL type name; also the type in its global IDs. */
  type: string;
  /** Its table; empty for types that only nest in others (embedded, or referenced with `from`). */
  table: string;
  /** Fields the compiler can produce, by GraphQL field name. `id` (the global ID) is implied. */
  fields: Record<string, FieldMap>;
  /**
   * Entity properties (name → SQL) that resolvers of fields not in `fields`
   * read from their parent (e.g. `personaId` for cross-sell); the compiler
   * hands them over when such a field is asked for.
   */
  row: Record<string, (row: string) => string>;
  /**
   * Columns naming the customers a row belongs to, for the partner scope: a
   * PARTNER key sees the row only while every one of them shares with its
   * partner. `[]` for rows that are nobody's (products, personas). Required for
   * every type with a table (a unit test checks it); nested types without a
   * table belong to their parent row.
   */
  customers?: readonly string[];
  /**
   * For `node(id:)` / `customer(id:)`: SQL of the id a requested id (SQL of a bigint) stands for,
   * e.g. a merged customer's survivor. Absent: the id itself.
   */
  redirect?: (id: string) => string;
}

/** Shorthands for maps. */
/** A string as an SQL literal (quotes doubled). */
export const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** base64url without padding, as Buffer#toString('base64url') writes it (PostgreSQL wraps base64 lines: drop the newlines too). */
export const base64urlSql = (textExpr: string) => `translate(encode(convert_to(${textExpr}, 'UTF8'), 'base64'), E'+/=\\n', '-_')`;

/** SQL of the global ID (shared/global-id.ts) of type `type` whose row id is the SQL expression `idSql`. */
export const globalIdSql = (type: string, idSql: string) => base64urlSql(`${sqlString(`${type}:`)} || ${idSql}`);

export const col = (name: string, format: JsonFormat = 'plain'): ColumnField => ({ kind: 'column', sql: (r) => `${r}.${name}`, format });
/** A key of an embedded jsonb object, as stored (numbers keep their digits). */
export const key = (name: string): ColumnField => ({ kind: 'column', sql: (r) => `${r}.v->'${name}'`, format: 'plain' });
export const ref = (target: string, foreignKeyColumn: string): ReferenceField => ({
  kind: 'reference',
  target,
  foreignKey: (r) => `${r}.${foreignKeyColumn}`,
});
export const idText =
  (column = 'id') =>
  (r: string) =>
    `${r}.${column}::text`;

/** A root connection over one table (e.g. `Query.customers`). */
export interface RootList {
  target: string;
  /** The ordering for the field's arguments (e.g. `orderBy`). */
  ordering(args: Record<string, unknown>): Ordering;
  filter?: ChildFilterSql;
  /** Conditions from the field's other arguments (e.g. `minScore`), over `row`, values added with `param`. */
  argsFilter?: (args: Record<string, unknown>, row: string, param: (value: unknown, type: string) => string) => string[];
  /** The input class of the `filter` argument, validated as its resolver would (class-validator). */
  filterClass?: new () => object;
}

/**
 * A ChildFilterSql as the resolver path's ChildFilter (SQL over alias `x`
 * with $1-based parameters), so both paths share one filter rule; null when
 * the filter adds no condition.
 */
export function toChildFilter(filterSql: ChildFilterSql, filter: Record<string, unknown> | null | undefined): ChildFilter | null {
  const params: unknown[] = [];
  const parts = filterSql(filter, 'x', (value, type) => {
    params.push(value);
    return `$${params.length}::${type}`;
  });
  return parts.length ? { sql: parts.join(' AND '), params } : null;
}
