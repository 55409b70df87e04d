import { Channel, Direction } from '../../modules/touchpoints/touchpoint.enums';
import { cohorts, generateCohort, type GeneratedCustomer } from './generate';

const NOW = new Date('2025-06-01T12:00:00Z');

function population(total: number): GeneratedCustomer[] {
  return [...cohorts(total)].flatMap(({ start, count }) => generateCohort('consent-test', start, count, NOW).customers);
}

describe('demo consent', () => {
  const customers = population(1000);
  const records = customers.flatMap((c) => c.consent.map((r) => ({ c, r })));

  it('gives a share of customers consent records, with opt-ins, opt-outs, preferred channels and own caps', () => {
    const withConsent = customers.filter((c) => c.consent.length > 0).length;
    expect(withConsent).toBeGreaterThan(customers.length * 0.4);
    expect(withConsent).toBeLessThan(customers.length * 0.75);
    const statuses = new Set(records.flatMap(({ r }) => r.changes.map((ch) => ch.status)));
    expect(statuses).toEqual(new Set(['OPTED_IN', 'OPTED_OUT']));
    expect(records.some(({ r }) => r.preferredChannel !== null)).toBe(true);
    expect(records.some(({ r }) => r.contactCap !== null)).toBe(true);
    expect(records.some(({ r }) => r.source === 'complaint' && Object.keys(r.channels).length === Object.keys(Channel).length)).toBe(true);
  });

  it('keeps each record the whole state after its changes, in time order, never in the future', () => {
    for (const c of customers) {
      let prev: GeneratedCustomer['consent'][number] | null = null;
      for (const r of c.consent) {
        expect(r.at).toBeLessThanOrEqual(NOW.getTime());
        if (prev) expect(r.at).toBeGreaterThanOrEqual(prev.at);
        for (const ch of r.changes) expect(r.channels[ch.channel]).toMatchObject({ status: ch.status, source: r.source });
        for (const [channel, state] of Object.entries(prev?.channels ?? {})) {
          if (!r.changes.some((ch) => ch.channel === channel)) expect(r.channels[channel as Channel]).toEqual(state);
        }
        if (r.preferredChannel) expect(r.channels[r.preferredChannel]?.status).not.toBe('OPTED_OUT');
        prev = r;
      }
    }
  });

  it('never shows outbound marketing after the customer opted out of its channel', () => {
    const violations: string[] = [];
    for (const c of customers) {
      if (c.consent.length === 0) continue;
      for (const t of c.touchpoints) {
        if (t.direction !== Direction.OUTBOUND) continue;
        let state: string | undefined;
        for (const r of c.consent) if (r.at <= t.at) state = r.channels[t.channel]?.status;
        if (state === 'OPTED_OUT') violations.push(`${c.externalId} ${t.channel} ${new Date(t.at).toISOString()}`);
      }
    }
    expect(violations).toEqual([]);
  });
});
