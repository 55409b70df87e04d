import { assertPlausibleDate } from './validation';

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
});
