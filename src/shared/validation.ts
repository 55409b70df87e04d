/** Input checks shared by several services. Each throws BAD_USER_INPUT naming the field. */
import { badInput } from './errors';

/** Dates more than this far ahead of now are refused as typos. */
export const MAX_FUTURE_MS = 24 * 60 * 60 * 1000;
const EARLIEST = Date.UTC(1900, 0, 1);

/** Refuses invalid dates, dates before 1900 and dates more than a day in the future. */
export function assertPlausibleDate(value: Date, field: string, now: Date): void {
  const t = value instanceof Date ? value.getTime() : NaN;
  if (!Number.isFinite(t)) throw badInput(field, `${field} is not a valid date-time.`);
  if (t < EARLIEST) throw badInput(field, `${field} is before 1900; check the date.`);
  if (t > now.getTime() + MAX_FUTURE_MS) throw badInput(field, `${field} is more than a day in the future; check the date and time zone.`);
}
