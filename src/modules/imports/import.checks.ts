/**
 * Row checks, as SQL over the staging table `import_row`: one scan finds every bad value of
 * every row (each check is a CASE that yields the reason or null), one window per
 * unique-in-file column finds repeats. Reasons land in `import_error (line, col, reason)`.
 * Pure: these functions only build SQL text from IMPORT_COLUMNS.
 */
import { IMPORT_COLUMNS, type ImportColumn, type ImportKind } from './import.kinds';

/** A check: the column it blames (null for the whole row) and an SQL expression giving the reason or null. */
interface Check {
  column: string | null;
  reason: string;
}

const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;
/** Quoted value for a reason, at most 80 characters. */
const shown = (v: string) => `'"' || left(${v}, 80) || '"'`;

/** Options that change what counts as an error. */
export interface CheckOptions {
  /** Purchases: an unknown customerExternalId is not an error (the import creates the customer). */
  createCustomers?: boolean;
  /**
   * Casts values instead of asking pg_input_is_valid first: the statement fails (a data
   * exception, SQLSTATE class 22) on the first unparsable value, and succeeds with the same rows
   * as the full checks when there is none. Parsing a date or number twice per row (valid? then
   * the value) was most of the checks' time; see ImportService.check for the fallback.
   */
  castsOnly?: boolean;
}

/** The join that resolves a reference column, and the alias it binds. */
function refJoin(c: ImportColumn, i: number, options: CheckOptions): { alias: string; join: string } | null {
  const alias = `ref${i}`;
  const v = `s.${c.sql}`;
  switch (c.type.kind) {
    case 'customer':
      if (options.createCustomers) return null;
      return { alias, join: `LEFT JOIN customer ${alias} ON ${alias}.external_id = ${v}` };
    case 'product':
      return { alias, join: `LEFT JOIN product ${alias} ON ${alias}.sku = ${v}` };
    case 'persona':
      return { alias, join: `LEFT JOIN persona ${alias} ON ${alias}.name = ${v}` };
    default:
      return null;
  }
}

function columnChecks(c: ImportColumn, ref: string | null, castsOnly: boolean): Check[] {
  const v = `s.${c.sql}`;
  const checks: Check[] = [];
  const when = (cond: string, reason: string) => checks.push({ column: c.name, reason: `CASE WHEN ${cond} THEN ${reason} END` });
  if (c.required) when(`${v} IS NULL`, quote('missing required value'));
  switch (c.type.kind) {
    case 'email':
      when(`${v} !~ '^[^@[:space:]]+@[^@[:space:]]+\\.[^@[:space:]]+$'`, `'not an email address: ' || ${shown(v)}`);
      break;
    case 'date':
      checks.push({
        column: c.name,
        // Dates start with a digit: PostgreSQL would also take words such as 'yesterday' or 'epoch'.
        reason: `CASE WHEN left(${v}, 1) NOT BETWEEN '0' AND '9'${castsOnly ? '' : ` OR NOT pg_input_is_valid(${v}, 'timestamptz')`} THEN 'unparsable date: ' || ${shown(v)}
          WHEN ${v}::timestamptz NOT BETWEEN '1900-01-01' AND now() + interval '1 day'
          THEN 'date before 1900 or more than a day in the future: ' || ${shown(v)} END`,
      });
      break;
    case 'money':
      checks.push({
        column: c.name,
        // castsOnly: the first cast fails on what is not an amount (or overflows); only a value with a minus sign is read again.
        reason: castsOnly
          ? `CASE WHEN ${v}::numeric(14,2) IS NULL THEN NULL WHEN left(${v}, 1) = '-' AND ${v}::numeric < 0 THEN 'negative amount: ' || ${shown(v)} END`
          : `CASE WHEN NOT pg_input_is_valid(${v}, 'numeric(14,2)') THEN 'not an amount: ' || ${shown(v)}
          WHEN ${v}::numeric < 0 THEN 'negative amount: ' || ${shown(v)} END`,
      });
      break;
    case 'count':
      checks.push({
        column: c.name,
        reason: `CASE WHEN ${castsOnly ? '' : `NOT pg_input_is_valid(${v}, 'int4') OR `}${v}::int4 < 1 THEN 'not a whole number of at least 1: ' || ${shown(v)} END`,
      });
      break;
    case 'enum':
      when(
        `upper(${v}) <> ALL (ARRAY[${c.type.values.map(quote).join(', ')}])`,
        `'unknown value ' || ${shown(v)} || ${quote(` (expected one of ${c.type.values.join(', ')})`)}`,
      );
      break;
    case 'customer':
      if (ref) when(`${v} IS NOT NULL AND ${ref}.id IS NULL`, `'unknown customer: ' || ${shown(v)}`);
      break;
    case 'product':
      when(`${v} IS NOT NULL AND ${ref}.id IS NULL`, `'unknown product SKU: ' || ${shown(v)}`);
      break;
    case 'persona':
      when(`${v} IS NOT NULL AND ${ref}.id IS NULL`, `'unknown persona: ' || ${shown(v)}`);
      break;
    default:
      break;
  }
  return checks;
}

/** Checks that span columns, by kind. */
function rowChecks(kind: ImportKind, refs: Map<string, string>): { checks: Check[]; joins: string[] } {
  if (kind !== 'referrals') return { checks: [], joins: [] };
  const referrer = refs.get('referrerExternalId')!;
  const referred = refs.get('referredExternalId')!;
  return {
    joins: [`LEFT JOIN referral ex ON ex.referred_id = ${referred}.id`],
    checks: [
      {
        column: 'referredExternalId',
        reason: `CASE WHEN ${referrer}.id = ${referred}.id THEN 'a customer cannot refer themselves'
          WHEN ex.referrer_id <> ${referrer}.id THEN 'already referred by another customer' END`,
      },
    ],
  };
}

/**
 * One statement: every value check of every row into import_error. The inner query keeps only
 * rows with some reason (so good rows cost one evaluation each); the outer one lists each reason.
 */
export function valueChecksSql(kind: ImportKind, options: CheckOptions = {}): string {
  const columns = IMPORT_COLUMNS[kind];
  const joins: string[] = [];
  const refs = new Map<string, string>();
  const checks: Check[] = [{ column: null, reason: 's.parse_error' }];
  columns.forEach((c, i) => {
    const ref = refJoin(c, i, options);
    if (ref) {
      joins.push(ref.join);
      refs.set(c.name, ref.alias);
    }
    checks.push(...columnChecks(c, ref?.alias ?? null, options.castsOnly === true));
  });
  const extra = rowChecks(kind, refs);
  joins.push(...extra.joins);
  checks.push(...extra.checks);
  const reasons = checks.map((ch, i) => `${ch.reason} AS r${i}`).join(',\n      ');
  // A row that could not be parsed reports only that.
  const values = checks
    .map((ch, i) =>
      i === 0 ? `(NULL::text, b.r0)` : `(${ch.column === null ? 'NULL::text' : quote(ch.column)}, CASE WHEN b.r0 IS NULL THEN b.r${i} END)`,
    )
    .join(', ');
  return `INSERT INTO import_error (line, col, reason)
    SELECT b.line, e.col, e.reason
    FROM (
      SELECT line, ${checks.map((_, i) => `r${i}`).join(', ')} FROM (
        SELECT s.line,
          ${reasons}
        FROM import_row s
        ${joins.join('\n        ')}
        WHERE s.parse_error IS NOT NULL OR ${checks
          .slice(1)
          .map((ch) => ch.reason)
          .join(' IS NOT NULL OR ')} IS NOT NULL
      ) q
    ) b
    CROSS JOIN LATERAL (VALUES ${values}) AS e(col, reason)
    WHERE e.reason IS NOT NULL`;
}

/**
 * One statement per unique-in-file column: every repeat of a value after its first line. The
 * repeated values are found by hashing first (one pass, usually nothing): sorting every row for
 * the window took twice as long, and only rows with a repeated value need their first line.
 */
export function duplicateChecksSql(kind: ImportKind): string[] {
  return IMPORT_COLUMNS[kind]
    .filter((c) => c.uniqueInFile)
    .map(
      (c) => `INSERT INTO import_error (line, col, reason)
        SELECT d.line, ${quote(c.name)}, 'duplicate in file: same ${c.name} as line ' || d.first
        FROM (
          SELECT line, min(line) OVER (PARTITION BY ${c.sql}) AS first FROM import_row
          WHERE ${c.sql} IN (SELECT ${c.sql} FROM import_row WHERE ${c.sql} IS NOT NULL GROUP BY 1 HAVING count(*) > 1)
        ) d
        WHERE d.line <> d.first`,
    );
}

/** The staging table for a kind: line, parse error, then every column as text. */
export function stagingTableSql(kind: ImportKind): string {
  return `CREATE TEMP TABLE import_row (line bigint NOT NULL, parse_error text, ${IMPORT_COLUMNS[kind]
    .map((c) => `${c.sql} text`)
    .join(', ')}) ON COMMIT DROP`;
}

/** The COPY statement that fills it. */
export function copySql(kind: ImportKind): string {
  return `COPY import_row (line, parse_error, ${IMPORT_COLUMNS[kind].map((c) => c.sql).join(', ')}) FROM STDIN`;
}
