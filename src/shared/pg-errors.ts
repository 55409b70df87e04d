/** Recognising PostgreSQL errors that are expected outcomes rather than faults. */

const UNIQUE_VIOLATION = '23505';

/**
 * True when `err` (as thrown by TypeORM) is a unique-constraint violation on a
 * constraint whose name contains `constraintPart`. Services use it to turn the
 * loser of a race that a pre-check cannot close (two inserts of the same key at
 * once) into CONFLICT instead of an internal error.
 */
export function isUniqueViolation(err: unknown, constraintPart: string): boolean {
  const driverError = (err as { driverError?: { code?: string; constraint?: string } } | null)?.driverError;
  return driverError?.code === UNIQUE_VIOLATION && (driverError.constraint ?? '').includes(constraintPart);
}
