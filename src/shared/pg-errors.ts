/** Recognising PostgreSQL errors that are expected outcomes rather than faults. */

const UNIQUE_VIOLATION = '23505';

/** The SQLSTATE of a PostgreSQL error as TypeORM or node-postgres throws it, or '' for any other error. */
export function sqlState(err: unknown): string {
  const e = err as { code?: unknown; driverError?: { code?: unknown } } | null;
  const code = e?.driverError?.code ?? e?.code;
  return typeof code === 'string' ? code : '';
}

/**
 * True when `err` (as thrown by TypeORM) is a unique-constraint violation on a
 * constraint whose name contains `constraintPart`. Services use it to turn the
 * loser of a race that a pre-check cannot close (two inserts of the same key at
 * once) into CONFLICT instead of an internal error.
 */
export function isUniqueViolation(err: unknown, constraintPart: string): boolean {
  const e = err as { constraint?: unknown; driverError?: { constraint?: unknown } } | null;
  const constraint = e?.driverError?.constraint ?? e?.constraint;
  return sqlState(err) === UNIQUE_VIOLATION && typeof constraint === 'string' && constraint.includes(constraintPart);
}

/** Socket-level failures: the server is down, restarting, or the route to it is gone. */
const CONNECTION_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/**
 * SQLSTATEs of a server going away or not yet back: admin_shutdown (a fast or
 * immediate stop), crash_shutdown, cannot_connect_now (starting up or shutting
 * down); class 08 is "connection exception".
 */
const CONNECTION_SQLSTATES = new Set(['57P01', '57P02', '57P03']);

/** What node-postgres and its pool say when a connection dies or cannot be had in time. */
const CONNECTION_MESSAGES =
  /Connection terminated|connection error and is not queryable|Client was closed and is not queryable|timeout exceeded when trying to connect|Connection terminated due to connection timeout/i;

/**
 * The error and everything it wraps (TypeORM's driverError, `cause`, an
 * AggregateError's errors, graphql-js's `thrownValue` for a rejection that is
 * not an Error of this realm), depth-limited.
 */
function* chain(err: unknown, depth = 0): Generator<Record<string, unknown>> {
  if (depth > 4 || err === null || typeof err !== 'object') return;
  const e = err as Record<string, unknown>;
  yield e;
  yield* chain(e.driverError, depth + 1);
  yield* chain(e.cause, depth + 1);
  yield* chain(e.thrownValue, depth + 1);
  if (Array.isArray(e.errors)) for (const inner of e.errors) yield* chain(inner, depth + 1);
}

/**
 * True when `err` means the database cannot be reached right now (refused,
 * reset or terminated connections, a server shutting down or starting up, a
 * pool that could not connect in time), as opposed to a failure of the
 * statement itself. The one place that decides what counts as a database
 * outage: such errors become SERVICE_UNAVAILABLE (HTTP 503, Retry-After)
 * instead of a masked internal error.
 */
export function isConnectionError(err: unknown): boolean {
  for (const e of chain(err)) {
    // TypeORM releases a query runner whose connection failed; the transaction's next statement (often COMMIT)
    // then fails with one of these, and the connection error itself is gone. Nothing here uses a runner it released.
    if (e.name === 'QueryRunnerAlreadyReleasedError' || e.name === 'QueryRunnerProviderAlreadyReleasedError') return true;
    const code = typeof e.code === 'string' ? e.code : '';
    if (CONNECTION_ERRNOS.has(code) || CONNECTION_SQLSTATES.has(code) || /^08[0-9A-Z]{3}$/.test(code)) return true;
    if (typeof e.message === 'string' && CONNECTION_MESSAGES.test(e.message)) return true;
  }
  return false;
}
