/**
 * The default contact cap (CONTACT_CAP_PER_30_DAYS): outbound marketing
 * touchpoints a customer without a cap of their own may get in any rolling
 * 30 days. A process-wide setting, like the schema: startApp sets it from the
 * configuration before serving, and the service and the read compiler's SQL
 * both read it here, so the two read paths cannot disagree.
 */
export const DEFAULT_CONTACT_CAP = 12;
/** Largest cap a customer or the configuration may set. */
export const MAX_CONTACT_CAP = 1000;

let current = DEFAULT_CONTACT_CAP;

export function setDefaultContactCap(cap: number): void {
  if (!Number.isInteger(cap) || cap < 0 || cap > MAX_CONTACT_CAP)
    throw new RangeError(`contact cap must be 0–${MAX_CONTACT_CAP}, got ${cap}`);
  current = cap;
}

export function defaultContactCap(): number {
  return current;
}
