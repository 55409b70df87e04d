import { MAX_FUTURE_MS, assertPlausibleDate } from './validation';

describe('assertPlausibleDate', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  it('accepts the past and the next few hours', () => {
    expect(() => assertPlausibleDate(new Date('2020-05-05T00:00:00Z'), 'x', now)).not.toThrow();
    expect(() => assertPlausibleDate(new Date('2026-01-01T12:00:00Z'), 'x', now)).not.toThrow();
  });
  it.each([
    [new Date('2027-01-01T00:00:00Z'), /future/],
    [new Date('1850-01-01T00:00:00Z'), /1900/],
    [new Date('nope'), /not a valid/],
  ])('refuses %p', (d, msg) => {
    expect(() => assertPlausibleDate(d, 'input.occurredAt', now)).toThrow(msg);
  });
  it('accepts 1900-01-01T00:00:00Z and exactly one day ahead', () => {
    expect(() => assertPlausibleDate(new Date('1900-01-01T00:00:00Z'), 'f', now)).not.toThrow();
    expect(() => assertPlausibleDate(new Date(now.getTime() + MAX_FUTURE_MS), 'f', now)).not.toThrow();
  });
  it('refuses a millisecond before 1900 and a millisecond past one day ahead, naming the field', () => {
    for (const d of [new Date(Date.UTC(1900, 0, 1) - 1), new Date(now.getTime() + MAX_FUTURE_MS + 1)]) {
      expect(() => assertPlausibleDate(d, 'input.purchases[4].occurredAt', now)).toThrow(
        expect.objectContaining({ code: 'BAD_USER_INPUT', extensions: { field: 'input.purchases[4].occurredAt' } }),
      );
    }
  });
});
