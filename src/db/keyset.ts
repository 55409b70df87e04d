/**
 * Keyset (seek) pagination in SQL. Each ordering lists its sort expressions
 * over the alias `x`, ending with the primary key so the order is total; the
 * cursor holds each expression's value as text (timestamps keep their
 * microseconds), and the next page starts strictly after that row tuple.
 */
import type { EntityManager, EntityTarget, ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { decodeCursor, encodeCursor, type CursorValue } from '../shared/cursor';
import type { Page, PageRequest } from '../shared/pagination';
import { DomainError, ErrorCode } from '../shared/errors';

export interface Ordering {
  /** Public name, stored in cursors (e.g. `CREATED_AT_ASC`). */
  name: string;
  /** Sort expressions over alias `x`; the last one must be unique (the primary key). None may be NULL. */
  keys: string[];
  /** PostgreSQL type of each key, to cast cursor values back. */
  types: string[];
  direction: 'ASC' | 'DESC';
}

export interface SeekPlan {
  condition: string | null;
  params: unknown[];
  sqlDirection: 'ASC' | 'DESC';
}

const INT8_MAX = 9223372036854775807n;
/** What `timestamptz::text` prints (ISO style, any offset), or ±infinity. */
const TIMESTAMPTZ_TEXT = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?)(Z|[+-]\d{2}(?::?\d{2})?)$/;

/**
 * True when `value` can be cast to the key's PostgreSQL type. Cursors come
 * back from clients, so a tampered value must be refused here: passed on, it
 * would make the cast fail inside PostgreSQL (an internal error), or, for
 * words PostgreSQL accepts such as 'yesterday', silently page from elsewhere.
 */
export function isCursorValueOfType(value: CursorValue, type: string): boolean {
  if (value === null) return false; // sort keys are never NULL (see Ordering.keys)
  switch (type) {
    case 'bigint': {
      if (!/^-?\d{1,19}$/.test(String(value))) return false;
      const n = BigInt(value);
      return n <= INT8_MAX && n >= -INT8_MAX - 1n;
    }
    case 'timestamptz': {
      if (typeof value !== 'string') return false;
      if (value === 'infinity' || value === '-infinity') return true;
      const m = TIMESTAMPTZ_TEXT.exec(value);
      if (!m) return false;
      const offset = m[3] === 'Z' ? 'Z' : m[3].length === 3 ? `${m[3]}:00` : m[3].replace(/^([+-]\d{2}):?(\d{2})$/, '$1:$2');
      const iso = `${m[1]}T${m[2].slice(0, 12)}${offset}`;
      const day = Date.parse(`${m[1]}T00:00:00Z`);
      // Date.parse rolls 2024-02-31 over to March; PostgreSQL refuses it, so compare the round trip.
      return Number.isFinite(day) && new Date(day).toISOString().slice(0, 10) === m[1] && Number.isFinite(Date.parse(iso));
    }
    case 'numeric':
      return /^-?\d{1,30}(\.\d{1,30})?$/.test(String(value));
    default:
      return typeof value === 'string';
  }
}

/** The WHERE condition and ORDER BY direction for one page; `paramOffset` numbers the $n placeholders. */
export function seekPlan(ordering: Ordering, req: PageRequest, fieldPrefix: string, paramOffset: number): SeekPlan {
  const reverse = req.direction === 'backward';
  const sqlDirection = reverse ? (ordering.direction === 'ASC' ? 'DESC' : 'ASC') : ordering.direction;
  if (!req.cursor) return { condition: null, params: [], sqlDirection };
  const field = `${fieldPrefix}${req.cursorField}`;
  const values = decodeCursor(req.cursor, ordering.name, ordering.keys.length, field);
  if (!values.every((v, i) => isCursorValueOfType(v, ordering.types[i]))) {
    throw new DomainError(
      ErrorCode.BAD_USER_INPUT,
      `The cursor in "${field}" is not valid. Use a cursor returned by this same list and ordering.`,
      { field },
    );
  }
  const op = sqlDirection === 'ASC' ? '>' : '<';
  const placeholders = ordering.types.map((t, i) => `$${paramOffset + i + 1}::${t}`);
  return { condition: `(${ordering.keys.join(', ')}) ${op} (${placeholders.join(', ')})`, params: values, sqlDirection };
}

function keySelects(ordering: Ordering): string {
  return ordering.keys.map((k, i) => `(${k})::text AS "__k${i}"`).join(', ');
}

function cursorOf(ordering: Ordering, raw: Record<string, unknown>): string {
  return encodeCursor(
    ordering.name,
    ordering.keys.map((_, i) => raw[`__k${i}`] as string),
  );
}

/** Cuts the extra look-ahead row and restores client order for a backward page. */
function finishPage<T>(rows: { node: T; cursor: string }[], req: PageRequest, totalCount: () => Promise<number>): Page<T> {
  const hasMore = rows.length > req.size;
  const edges = rows.slice(0, req.size);
  if (req.direction === 'backward') edges.reverse();
  return {
    edges,
    hasNextPage: req.direction === 'forward' ? hasMore : req.cursor !== null,
    hasPreviousPage: req.direction === 'backward' ? hasMore : req.cursor !== null,
    totalCount,
  };
}

/**
 * Adds `condition` (SQL with $1-based placeholders for `params`) to a query
 * builder, as named parameters with `prefix` (TypeORM has no positional ones).
 */
export function andWhereNumbered<T extends ObjectLiteral>(
  qb: SelectQueryBuilder<T>,
  condition: string,
  params: readonly unknown[],
  prefix: string,
): void {
  qb.andWhere(
    condition.replace(/\$(\d+)/g, (_, n) => `:${prefix}${n}`),
    Object.fromEntries(params.map((v, i) => [`${prefix}${i + 1}`, v])),
  );
}

/**
 * One page from a query builder whose main alias is `x` and whose filters are
 * already applied. Issues one statement (plus one COUNT if `totalCount` is read).
 */
export async function pageFromQuery<T extends ObjectLiteral>(
  qb: SelectQueryBuilder<T>,
  ordering: Ordering,
  req: PageRequest,
  fieldPrefix = '',
): Promise<Page<T>> {
  const countQb = qb.clone();
  let counted: Promise<number> | undefined;
  const totalCount = () => (counted ??= countQb.getCount());
  if (req.size === 0) return finishPage([], req, totalCount);

  const plan = seekPlan(ordering, req, fieldPrefix, 0);
  const pageQb = qb.clone();
  ordering.keys.forEach((k, i) => pageQb.addSelect(`(${k})::text`, `__k${i}`));
  if (plan.condition) {
    // Rewrite $n placeholders as named TypeORM parameters.
    andWhereNumbered(pageQb, plan.condition, plan.params, '__c');
  }
  ordering.keys.forEach((k, i) => (i === 0 ? pageQb.orderBy(k, plan.sqlDirection) : pageQb.addOrderBy(k, plan.sqlDirection)));
  pageQb.limit(req.size + 1);
  const { raw, entities } = await pageQb.getRawAndEntities();
  return finishPage(
    entities.map((node, i) => ({ node, cursor: cursorOf(ordering, raw[i]) })),
    req,
    totalCount,
  );
}

/** A child list: rows of `table` belonging to a parent through `parentColumn`. */
export interface ChildListSpec<T> {
  entity: EntityTarget<T>;
  table: string;
  parentColumn: string;
  ordering: Ordering;
}

/** Extra filter on a child list, as SQL over alias `x` with $1-based parameters of its own. */
export interface ChildFilter {
  sql: string;
  params: unknown[];
}

/** Shifts `$n` placeholders in `sql` by `offset`. */
function shiftParams(sql: string, offset: number): string {
  return sql.replace(/\$(\d+)/g, (_, n) => `$${Number(n) + offset}`);
}

/** Builds entity instances from raw rows, mapping column names to properties. */
export function hydrate<T>(em: EntityManager, entity: EntityTarget<T>, rows: Record<string, unknown>[]): T[] {
  const meta = em.connection.getMetadata(entity);
  return rows.map((row) => {
    const obj = meta.create() as Record<string, unknown>;
    for (const col of meta.columns) {
      if (col.databaseName in row) obj[col.propertyName] = row[col.databaseName];
    }
    return obj as T;
  });
}

/**
 * One page of children for each of many parents, in a single statement
 * (LATERAL join, so each parent gets its own LIMIT and the index does the work).
 */
export async function childPages<T>(
  em: EntityManager,
  spec: ChildListSpec<T>,
  parentIds: readonly string[],
  req: PageRequest,
  filter: ChildFilter | null,
  fieldPrefix: string,
): Promise<Map<string, Omit<Page<T>, 'totalCount'>>> {
  const result = new Map<string, Omit<Page<T>, 'totalCount'>>();
  if (req.size === 0) {
    for (const id of parentIds) result.set(id, { ...finishPage<T>([], req, async () => 0) });
    return result;
  }
  const params: unknown[] = [parentIds];
  const conditions = [`x.${spec.parentColumn} = p.parent_id`];
  if (filter) {
    conditions.push(`(${shiftParams(filter.sql, params.length)})`);
    params.push(...filter.params);
  }
  const plan = seekPlan(spec.ordering, req, fieldPrefix, params.length);
  if (plan.condition) {
    conditions.push(plan.condition);
    params.push(...plan.params);
  }
  params.push(req.size + 1);
  const orderBy = spec.ordering.keys.map((k) => `${k} ${plan.sqlDirection}`).join(', ');
  const sql = `
    SELECT p.parent_id::text AS "__parent", c.*
    FROM unnest($1::bigint[]) AS p(parent_id)
    CROSS JOIN LATERAL (
      SELECT x.*, ${keySelects(spec.ordering)}
      FROM ${spec.table} x
      WHERE ${conditions.join(' AND ')}
      ORDER BY ${orderBy}
      LIMIT $${params.length}
    ) c`;
  const rows: Record<string, unknown>[] = await em.query(sql, params);
  const nodes = hydrate(em, spec.entity, rows);
  const byParent = new Map<string, { node: T; cursor: string }[]>();
  rows.forEach((row, i) => {
    const key = row.__parent as string;
    const list = byParent.get(key) ?? [];
    list.push({ node: nodes[i], cursor: cursorOf(spec.ordering, row) });
    byParent.set(key, list);
  });
  for (const id of parentIds)
    result.set(
      id,
      finishPage(byParent.get(id) ?? [], req, async () => 0),
    );
  return result;
}

/** Counts children per parent in one statement (for `totalCount` on nested connections). */
export async function childCounts(
  em: EntityManager,
  table: string,
  parentColumn: string,
  parentIds: readonly string[],
  filter: ChildFilter | null,
): Promise<Map<string, number>> {
  const params: unknown[] = [parentIds];
  let where = `x.${parentColumn} = ANY($1::bigint[])`;
  if (filter) {
    where += ` AND (${shiftParams(filter.sql, 1)})`;
    params.push(...filter.params);
  }
  const rows: { parent: string; n: string }[] = await em.query(
    `SELECT x.${parentColumn}::text AS parent, count(*) AS n FROM ${table} x WHERE ${where} GROUP BY x.${parentColumn}`,
    params,
  );
  return new Map(rows.map((r) => [r.parent, Number(r.n)]));
}
