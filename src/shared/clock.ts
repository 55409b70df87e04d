/** Time source, injectable so rules that depend on "now" can be tested. */
export interface Clock {
  now(): Date;
}
export const systemClock: Clock = { now: () => new Date() };
