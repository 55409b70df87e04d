/**
 * Emission: a ReadPlan and one request's arguments become one SQL statement
 * whose single value is the JSON of the response's `data` (or, in a mixed
 * plan, of the part SQL answers). Nested connections are correlated
 * subqueries with JSON aggregation; each keeps keyset pagination (the same
 * orderings and cursors as db/keyset.ts, so a cursor from either path works
 * on the other).
 *
 * Arguments are checked exactly as the resolvers check them; anything the
 * resolvers would answer with an error (a bad cursor, `first` over the cap, a
 * global ID of another type, a role without access) throws `UseResolvers`, and
 * the operation then runs through the resolvers, which report it.
 */
import { validateSync } from 'class-validator';
import type { GraphQLField, FieldNode } from 'graphql';
import { getArgumentValues } from 'graphql/execution/values';
import { seekPlan, type Ordering, type SeekPlan } from '../../db/keyset';
import { base64urlSql, globalIdSql, sqlString, type JsonFormat, type SqlObjectMap } from '../../db/sql-map';
import { partnerSharedSql } from '../../modules/sharing';
import { assertRootFieldAllowed } from '../../modules/auth/access';
import { hasScope, partnerScopeOf, Scope, type Viewer } from '../../modules/auth/viewer';
import { parseGlobalId, fromGlobalId } from '../../shared/global-id';
import { MAX_NODE_IDS } from '../node.resolver';
import { toPageRequest, type PageRequest } from '../../shared/pagination';
import { VALIDATOR_OPTIONS } from '../validate-args';
import type { ConnectionPart, PlannedConnection, PlannedObject, PlannedRoot, ReadPlan } from './plan';

/** The request must run through the resolvers (they will report what is wrong, or handle what SQL cannot). */
export class UseResolvers extends Error {}

const INT8_MAX = 9223372036854775807n;

/** Builds one statement: numbered parameters and unique aliases. */
class Statement {
  readonly params: unknown[] = [];
  private aliases = 0;
  private partnerParam: string | null = null;

  constructor(
    readonly variables: Record<string, unknown>,
    readonly mixed: boolean,
    /** A PARTNER key's partner (sharing/): every row that belongs to customers is filtered by it; null for other roles. */
    readonly partner: string | null,
  ) {}

  /**
   * The partner scope on a row of `map` under alias `row`: conditions that
   * hold only while every customer the row belongs to shares with the
   * partner. The partner is one parameter of the statement, so the plan stays
   * the same for every partner.
   */
  scope(map: SqlObjectMap, row: string): string[] {
    if (this.partner === null || !map.table) return [];
    if (!map.customers) throw new Error(`The SQL map of ${map.type} does not say which customers its rows belong to.`);
    if (!map.customers.length) return [];
    this.partnerParam ??= this.param(this.partner, 'text');
    return map.customers.map((column) => partnerSharedSql(this.partnerParam!, `${row}.${column}`));
  }

  param(value: unknown, type: string): string {
    this.params.push(value);
    return `$${this.params.length}::${type}`;
  }

  alias(prefix: string): string {
    return `${prefix}${++this.aliases}`;
  }

  args(def: GraphQLField<unknown, unknown>, node: FieldNode): Record<string, unknown> {
    try {
      return getArgumentValues(def, node, this.variables);
    } catch {
      throw new UseResolvers();
    }
  }
}

function jsonObject(pairs: string[]): string {
  return `json_build_object(${pairs.join(', ')})`;
}

function pair(key: string, expr: string): string {
  return `${sqlString(key)}, ${expr}`;
}

function formatted(expr: string, format: JsonFormat): string {
  switch (format) {
    case 'datetime':
      return `to_char(${expr} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
    case 'money':
      return `(${expr})::numeric(20,2)::text`;
    default:
      return expr;
  }
}

/** The cursor of a row (graphql/cursor.ts): base64url of ["c1", ordering, ...key values as text]. */
function cursorSql(ordering: Ordering, keys: string[]): string {
  const values = keys.map((k) => `to_json((${k})::text)::text`).join(` || ',' || `);
  return base64urlSql(`${sqlString(`["c1",${JSON.stringify(ordering.name)},`)} || ${values} || ']'`);
}

const onAlias = (sql: string, alias: string) => sql.replace(/\bx\./g, `${alias}.`);

function objectJson(s: Statement, object: PlannedObject, row: string): string {
  const pairs: string[] = [];
  const { map } = object;
  for (const f of object.fields) {
    switch (f.kind) {
      case 'typename':
        pairs.push(pair(f.key, sqlString(f.value)));
        break;
      case 'id':
        pairs.push(pair(f.key, globalIdSql(map.type, `${row}.id`)));
        break;
      case 'column':
        pairs.push(pair(f.key, formatted(f.field.sql(row), f.field.format)));
        break;
      case 'reference': {
        const t = s.alias('r');
        // A FROM clause of the map's own (latest purchase, a score) cannot take the scope's conditions: the resolvers answer partners.
        if (f.field.from && s.scope(f.object.map, t).length) throw new UseResolvers();
        const from = f.field.from
          ? f.field.from(t, row)
          : `${f.object.map.table} ${t} WHERE ${[`${t}.id = ${f.field.foreignKey!(row)}`, ...s.scope(f.object.map, t)].join(' AND ')}`;
        pairs.push(pair(f.key, `(SELECT ${objectJson(s, f.object, t)} FROM ${from})`));
        break;
      }
      case 'embedded': {
        const e = s.alias('e');
        pairs.push(
          pair(f.key, `(SELECT ${objectJson(s, f.object, e)} FROM (SELECT ${f.field.value(row)} AS v) ${e} WHERE ${e}.v IS NOT NULL)`),
        );
        break;
      }
      case 'embeddedList': {
        const e = s.alias('e');
        pairs.push(
          pair(
            f.key,
            `(SELECT coalesce(json_agg(${objectJson(s, f.object, e)} ORDER BY ${f.field.order(e)}), '[]'::json) FROM ${f.field.from(e, row)})`,
          ),
        );
        break;
      }
      case 'backReference': {
        const target = f.object.map;
        const t = s.alias('r');
        pairs.push(
          pair(
            f.key,
            `(SELECT ${objectJson(s, f.object, t)} FROM ${target.table} ${t} WHERE ${[`${t}.${f.field.column} = ${row}.id`, ...s.scope(target, t)].join(' AND ')})`,
          ),
        );
        break;
      }
      case 'connection':
        pairs.push(pair(f.key, connectionJson(s, f.connection, row)));
        break;
      case 'resolver':
        break;
    }
  }
  if (s.mixed) {
    // graphql-js resolves abstract types and the fields left to resolvers from these.
    pairs.push(pair('__typename', sqlString(map.type)));
    const rowPairs = object.needsRow ? Object.entries(map.row).map(([prop, sql]) => pair(prop, sql(row))) : [];
    pairs.push(pair('$cg', rowPairs.length ? jsonObject(rowPairs) : 'true'));
  }
  if (pairs.length > 100) throw new UseResolvers();
  return jsonObject(pairs);
}

/** The `$cg` marker on objects that are not rows (connections, edges, page info) in a mixed plan. */
function withMarker(s: Statement, pairs: string[]): string {
  return jsonObject(s.mixed ? [...pairs, pair('$cg', 'true')] : pairs);
}

/**
 * db/keyset.ts's seek plan for this page (direction, and the key condition
 * after/before the cursor) on alias `row`, its values added as this
 * statement's parameters. A cursor the resolvers would refuse hands over to them.
 */
function seek(s: Statement, ordering: Ordering, req: PageRequest, fieldPrefix: string, row: string): SeekPlan {
  let plan: SeekPlan;
  try {
    plan = seekPlan(ordering, req, fieldPrefix, s.params.length);
  } catch {
    throw new UseResolvers();
  }
  s.params.push(...plan.params);
  return { ...plan, condition: plan.condition && onAlias(plan.condition, row) };
}

function pageRequest(args: Record<string, unknown>, prefix: string): PageRequest {
  try {
    return toPageRequest(args, prefix);
  } catch {
    throw new UseResolvers();
  }
}

function connectionJson(s: Statement, c: PlannedConnection, parentRow: string | null): string {
  const args = s.args(c.fieldDef, c.fieldNode);
  const req = pageRequest(args, c.argPrefix);
  const { target } = c;
  let ordering: Ordering;
  let filterSql: ((row: string) => string[]) | null = null;
  if (c.source.kind === 'child') {
    const { field } = c.source;
    ordering = field.ordering;
    const filter = args.filter as Record<string, unknown> | null | undefined;
    filterSql = (row) => [
      `${row}.${field.parentColumn} = ${parentRow}.id`,
      ...(field.filter ? field.filter(filter, row, (v, t) => s.param(v, t)) : []),
      ...s.scope(target, row),
    ];
  } else {
    const { list } = c.source;
    ordering = list.ordering(args);
    const filter = args.filter as Record<string, unknown> | null | undefined;
    if (filter && list.filterClass && validateSync(Object.assign(new list.filterClass(), filter), VALIDATOR_OPTIONS).length)
      throw new UseResolvers();
    filterSql = (row) => {
      let conds: string[];
      try {
        const param = (v: unknown, t: string) => s.param(v, t);
        conds = [...(list.filter ? list.filter(filter, row, param) : []), ...(list.argsFilter ? list.argsFilter(args, row, param) : [])];
      } catch {
        throw new UseResolvers();
      }
      return [...conds, ...s.scope(target, row)];
    };
  }
  const where = (conds: string[]) => (conds.length ? `WHERE ${conds.join(' AND ')}` : '');

  const pairs: string[] = [];
  const countSql = () => {
    const t = s.alias('k');
    return `(SELECT count(*)::int FROM ${target.table} ${t} ${where(filterSql!(t))})`;
  };
  if (!c.needsRows) {
    // Only totalCount (and __typename): no page to read. Cursors are still checked, as the resolvers do.
    try {
      seekPlan(ordering, req, c.argPrefix, 0);
    } catch {
      throw new UseResolvers();
    }
    for (const part of c.parts)
      pairs.push(pair(part.key, part.kind === 'totalCount' ? countSql() : sqlString((part as { value: string }).value)));
    return withMarker(s, pairs);
  }

  const t = s.alias('t');
  const p = s.alias('p');
  const keys = ordering.keys.map((k) => onAlias(k, t));
  const backward = req.direction === 'backward';
  const conds = filterSql(t);
  const { condition, sqlDirection } = seek(s, ordering, req, c.argPrefix, t);
  if (condition) conds.push(condition);
  const orderBy = keys.map((k) => `${k} ${sqlDirection}`).join(', ');
  const limit = s.param(req.size === 0 ? 0 : req.size + 1, 'int');
  const size = s.param(req.size, 'int');
  const cursorColumn = c.needsCursor ? `, ${cursorSql(ordering, keys)} AS __c` : '';
  const page = `SELECT ${t}.*${cursorColumn}, row_number() OVER (ORDER BY ${orderBy}) AS __n FROM ${target.table} ${t} ${where(conds)} ORDER BY ${orderBy} LIMIT ${limit}`;
  // Rows come in query order (__n); the client's order is the reverse for a backward page.
  const clientOrder = `${p}.__n ${backward ? 'DESC' : 'ASC'}`;
  const reverseOrder = `${p}.__n ${backward ? 'ASC' : 'DESC'}`;
  const onPage = `FILTER (WHERE ${p}.__n <= ${size})`;
  const more = `count(*) > ${size}`;
  const hadCursor = req.cursor !== null ? 'true' : 'false';
  const q: PageSql = { clientOrder, reverseOrder, onPage, more, hadCursor, backward };
  // A first page that is not full holds every row: its size is the count, and the count query is skipped.
  const total = () =>
    req.cursor === null && req.size > 0 ? `CASE WHEN count(*) <= ${size} THEN count(*)::int ELSE ${countSql()} END` : countSql();
  for (const part of c.parts) pairs.push(pair(part.key, part.kind === 'totalCount' ? total() : connectionPart(s, part, p, q)));
  return `(SELECT ${withMarker(s, pairs)} FROM (${page}) ${p})`;
}

interface PageSql {
  clientOrder: string;
  reverseOrder: string;
  onPage: string;
  more: string;
  hadCursor: string;
  backward: boolean;
}

function connectionPart(s: Statement, part: Exclude<ConnectionPart, { kind: 'totalCount' }>, p: string, q: PageSql): string {
  switch (part.kind) {
    case 'typename':
      return sqlString(part.value);
    case 'nodes':
      return `coalesce(json_agg(${objectJson(s, part.object, p)} ORDER BY ${q.clientOrder}) ${q.onPage}, '[]'::json)`;
    case 'edges': {
      const edge = part.parts.map((e) =>
        pair(e.key, e.kind === 'typename' ? sqlString(e.value) : e.kind === 'cursor' ? `${p}.__c` : objectJson(s, e.object, p)),
      );
      return `coalesce(json_agg(${withMarker(s, edge)} ORDER BY ${q.clientOrder}) ${q.onPage}, '[]'::json)`;
    }
    case 'pageInfo': {
      const info = part.parts.map((i) => {
        switch (i.kind) {
          case 'typename':
            return pair(i.key, sqlString(i.value));
          case 'hasNextPage':
            return pair(i.key, q.backward ? q.hadCursor : q.more);
          case 'hasPreviousPage':
            return pair(i.key, q.backward ? q.more : q.hadCursor);
          case 'startCursor':
            return pair(i.key, `(array_agg(${p}.__c ORDER BY ${q.clientOrder}) ${q.onPage})[1]`);
          case 'endCursor':
            return pair(i.key, `(array_agg(${p}.__c ORDER BY ${q.reverseOrder}) ${q.onPage})[1]`);
        }
      });
      return withMarker(s, info);
    }
  }
}

/** The JSON of one root field; null for a field left to its resolver. */
function rootJson(s: Statement, root: PlannedRoot, viewer: Viewer): string | null {
  if (root.kind === 'typename') return sqlString('Query');
  if (root.kind === 'resolver') return null;
  const fieldName = root.kind === 'list' ? root.connection.fieldNode.name.value : root.fieldNode.name.value;
  try {
    assertRootFieldAllowed(viewer, 'Query', fieldName);
  } catch {
    throw new UseResolvers();
  }
  switch (root.kind) {
    case 'list': {
      const args = s.args(root.connection.fieldDef, root.connection.fieldNode);
      const filter = args.filter as Record<string, unknown> | null | undefined;
      // Searching personal data without the scope is FORBIDDEN: the resolvers say so.
      if (filter?.search != null && !hasScope(viewer, Scope.PII_READ)) throw new UseResolvers();
      return connectionJson(s, root.connection, null);
    }
    case 'one': {
      const args = s.args(root.fieldDef, root.fieldNode);
      let id: string;
      try {
        id = fromGlobalId(args.id as string, 'Customer', 'id');
      } catch {
        throw new UseResolvers();
      }
      return rowById(s, root.object, id);
    }
    case 'node': {
      const args = s.args(root.fieldDef, root.fieldNode);
      const parsed = parseGlobalId(args.id as string);
      if (!parsed) return 'NULL::json';
      const object = root.objects.get(parsed.type);
      if (!object || BigInt(parsed.id) > INT8_MAX) throw new UseResolvers();
      return rowById(s, object, parsed.id);
    }
    case 'nodes':
      return nodesJson(s, root);
  }
}

function rowById(s: Statement, object: PlannedObject, id: string): string {
  const t = s.alias('t');
  const asked = s.param(id, 'bigint');
  const conds = [`${t}.id = ${object.map.redirect ? object.map.redirect(asked) : asked}`, ...s.scope(object.map, t)];
  return `(SELECT ${objectJson(s, object, t)} FROM ${object.map.table} ${t} WHERE ${conds.join(' AND ')})`;
}

/** `nodes(ids:)`: one lookup per type present, answered in the order asked (null where nothing matches). */
function nodesJson(s: Statement, root: Extract<PlannedRoot, { kind: 'nodes' }>): string {
  const ids = s.args(root.fieldDef, root.fieldNode).ids as string[];
  if (ids.length > MAX_NODE_IDS) throw new UseResolvers();
  if (ids.length === 0) return `'[]'::json`;
  const byType = new Map<string, { ids: string[]; positions: number[] }>();
  ids.forEach((globalId, i) => {
    const parsed = parseGlobalId(globalId);
    if (!parsed) return;
    if (!root.objects.has(parsed.type) || BigInt(parsed.id) > INT8_MAX) throw new UseResolvers();
    const group = byType.get(parsed.type) ?? { ids: [], positions: [] };
    group.ids.push(parsed.id);
    group.positions.push(i + 1);
    byType.set(parsed.type, group);
  });
  const lookups = [...byType].map(([type, group]) => {
    const object = root.objects.get(type)!;
    const t = s.alias('t');
    const u = s.alias('u');
    const on = [`${t}.id = ${object.map.redirect ? object.map.redirect(`${u}.id`) : `${u}.id`}`, ...s.scope(object.map, t)].join(' AND ');
    return `SELECT ${u}.pos, ${objectJson(s, object, t)} AS obj FROM unnest(${s.param(group.ids, 'bigint[]')}, ${s.param(group.positions, 'int[]')}) ${u}(id, pos) JOIN ${object.map.table} ${t} ON ${on}`;
  });
  const i = s.alias('i');
  const found = s.alias('f');
  const joined = lookups.length
    ? `LEFT JOIN (${lookups.join(' UNION ALL ')}) ${found} ON ${found}.pos = ${i}.pos`
    : `LEFT JOIN (SELECT NULL::int AS pos, NULL::json AS obj) ${found} ON false`;
  return `(SELECT json_agg(${found}.obj ORDER BY ${i}.pos) FROM generate_series(1, ${s.param(ids.length, 'int')}) ${i}(pos) ${joined})`;
}

/**
 * The statement for one request of a planned operation. `variables` are the
 * coerced variable values. Throws UseResolvers when the resolvers must answer.
 */
export function emitStatement(plan: ReadPlan, variables: Record<string, unknown>, viewer: Viewer): { sql: string; params: unknown[] } {
  const s = new Statement(variables, !plan.pure, partnerScopeOf(viewer));
  const pairs: string[] = [];
  for (const root of plan.roots) {
    const json = rootJson(s, root, viewer);
    if (json !== null) pairs.push(pair(root.key, json));
  }
  return { sql: `SELECT ${jsonObject(pairs)}::text`, params: s.params };
}
