/** Boundary cases of the pure rules the API leans on. */
import { Kind } from 'graphql';
import { ALL_STAGES, AUTOMATIC_MOVES, LifecycleStage, STAGE_TRANSITIONS, StageChangeTrigger, allowedTransitions, automaticMove, describeTransitionTable } from '../../src/modules/lifecycle/stages';
import { fromGlobalId, parseGlobalId, toGlobalId } from '../../src/shared/global-id';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, toPageRequest } from '../../src/shared/pagination';
import { Money, parseMoney } from '../../src/shared/graphql/scalars';
import { MAX_FUTURE_MS, assertPlausibleDate } from '../../src/shared/validation';
import { touchpointFilterSql } from '../../src/modules/touchpoints/touchpoint.service';
import { customerOrdering } from '../../src/modules/customers/customer.service';
import { CustomerOrder } from '../../src/modules/customers/customer.inputs';
import { Channel, TouchpointResponse } from '../../src/modules/touchpoints/touchpoint.enums';

describe('assertPlausibleDate boundaries', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  it('accepts 1900-01-01T00:00:00Z and exactly one day ahead', () => {
    expect(() => assertPlausibleDate(new Date('1900-01-01T00:00:00Z'), 'f', now)).not.toThrow();
    expect(() => assertPlausibleDate(new Date(now.getTime() + MAX_FUTURE_MS), 'f', now)).not.toThrow();
  });
  it('refuses a millisecond before 1900 and a millisecond past one day ahead, naming the field', () => {
    for (const d of [new Date(Date.UTC(1900, 0, 1) - 1), new Date(now.getTime() + MAX_FUTURE_MS + 1)]) {
      expect(() => assertPlausibleDate(d, 'input.purchases[4].occurredAt', now)).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT', extensions: { field: 'input.purchases[4].occurredAt' } }));
    }
  });
});

describe('Money', () => {
  it.each([
    ['999999999999.99', '999999999999.99'],
    [' 7.5 ', '7.50'],
    [0, '0.00'],
    [-12, '-12.00'],
    ['-0.00', '0.00'],
  ])('normalises %p to %p', (input, out) => expect(parseMoney(input)).toBe(out));

  it.each(['+5', '.5', '5.', '1,000.00', '1 000', '0x10', '١٢', 1e21, -0.001, true, []])('refuses %p', (bad) => expect(parseMoney(bad)).toBeNull());

  it('refuses bad literals and values with BAD_USER_INPUT, and never serialises garbage', () => {
    expect(() => Money.parseLiteral({ kind: Kind.BOOLEAN, value: true }, {})).toThrow(expect.objectContaining({ extensions: { code: 'BAD_USER_INPUT' } }));
    expect(() => Money.parseLiteral({ kind: Kind.STRING, value: '1.999' }, {})).toThrow(/at most 2 decimal places/);
    expect(Money.parseLiteral({ kind: Kind.INT, value: '12' }, {})).toBe('12.00');
    expect(() => Money.parseValue('abc')).toThrow(/Money must be/);
    expect(() => Money.serialize('NaN')).toThrow();
    expect(Money.serialize('19.9')).toBe('19.90');
  });
});

describe('toPageRequest edges', () => {
  it('pages backward from the end with only `before`, at the default size', () => {
    expect(toPageRequest({ before: 'c' })).toEqual({ direction: 'backward', size: DEFAULT_PAGE_SIZE, cursor: 'c', cursorField: 'before' });
  });
  it('accepts first: 0 (for totalCount alone) and null arguments as absent', () => {
    expect(toPageRequest({ first: 0 }).size).toBe(0);
    expect(toPageRequest({ first: null, after: null, last: null, before: null })).toEqual({ direction: 'forward', size: DEFAULT_PAGE_SIZE, cursor: null, cursorField: 'after' });
  });
  it('reports the cap in extensions.max', () => {
    expect(() => toPageRequest({ last: MAX_PAGE_SIZE + 1 }, 'holdings.')).toThrow(expect.objectContaining({ extensions: { field: 'holdings.last', max: MAX_PAGE_SIZE } }));
  });
});

describe('global IDs', () => {
  it.each([
    ['Customer:007', 'leading zeros'],
    ['Customer:-1', 'negative'],
    ['Customer:1:2', 'extra part'],
    ['customer 1', 'no colon'],
    [':1', 'no type'],
  ])('does not parse %p (%s)', (raw) => {
    expect(parseGlobalId(Buffer.from(raw).toString('base64url'))).toBeNull();
  });
  it('accepts the largest bigint and refuses one more', () => {
    expect(fromGlobalId(toGlobalId('Customer', '9223372036854775807'), 'Customer', 'id')).toBe('9223372036854775807');
    expect(() => fromGlobalId(toGlobalId('Customer', '9223372036854775808'), 'Customer', 'id')).toThrow(/not a valid Customer ID/);
  });
  it('refuses padding and standard base64 characters', () => {
    expect(parseGlobalId(`${toGlobalId('Customer', '1')}=`)).toBeNull();
    expect(parseGlobalId('Q3VzdG9tZXI6MQ+/')).toBeNull();
  });
});

describe('touchpointFilterSql', () => {
  it('is null when nothing is filtered', () => {
    expect(touchpointFilterSql(null)).toBeNull();
    expect(touchpointFilterSql({})).toBeNull();
  });
  it('numbers its own parameters from $1, values passed as parameters never as SQL text', () => {
    const f = touchpointFilterSql({ channelIn: [Channel.EMAIL], responseIn: [TouchpointResponse.NEGATIVE] })!;
    expect(f.sql).toBe('x.channel = ANY($1::text[]) AND x.response = ANY($2::text[])');
    expect(f.params).toEqual([['EMAIL'], ['NEGATIVE']]);
    expect(touchpointFilterSql({ responseIn: [] })).toEqual({ sql: 'x.response = ANY($1::text[])', params: [[]] });
  });
});

describe('customer orderings', () => {
  it.each(Object.values(CustomerOrder))('%s ends with the primary key and types every key', (order) => {
    const o = customerOrdering(order);
    expect(o.name).toBe(order);
    expect(o.keys.at(-1)).toBe('x.id');
    expect(o.types).toHaveLength(o.keys.length);
    expect(o.types.at(-1)).toBe('bigint');
    expect(o.direction).toBe(order.endsWith('_DESC') ? 'DESC' : 'ASC');
  });
  it('never sorts on a nullable expression (keyset comparison would drop rows)', () => {
    expect(customerOrdering(CustomerOrder.LAST_PURCHASE_AT_DESC).keys[0]).toMatch(/^COALESCE\(x\.last_purchase_at, '-infinity'/);
  });
});

describe('lifecycle table invariants', () => {
  it('lists each target once per stage', () => {
    for (const s of ALL_STAGES) expect(new Set(allowedTransitions(s)).size).toBe(allowedTransitions(s).length);
  });
  it('lets every stage but CHURNED leave for CHURNED, and nothing but REACTIVATED leave CHURNED', () => {
    for (const s of ALL_STAGES.filter((x) => x !== LifecycleStage.CHURNED)) expect(allowedTransitions(s)).toContain(LifecycleStage.CHURNED);
    expect(allowedTransitions(LifecycleStage.CHURNED)).toEqual([LifecycleStage.REACTIVATED]);
  });
  it('applies every automatic move exactly from its listed stages, for every stage', () => {
    for (const [trigger, move] of Object.entries(AUTOMATIC_MOVES)) {
      for (const s of ALL_STAGES) {
        expect({ trigger, s, to: automaticMove(trigger as Exclude<StageChangeTrigger, 'MANUAL'>, s) }).toEqual({ trigger, s, to: move.from.includes(s) ? move.to : null });
      }
    }
  });
  it('reaches REACTIVATED only from DORMANT or CHURNED', () => {
    const into = ALL_STAGES.filter((s) => STAGE_TRANSITIONS[s].includes(LifecycleStage.REACTIVATED));
    expect(into.sort()).toEqual([LifecycleStage.CHURNED, LifecycleStage.DORMANT]);
  });
  it('describes the whole table, one line per stage', () => {
    const lines = describeTransitionTable().split('\n');
    expect(lines).toHaveLength(ALL_STAGES.length);
    expect(lines[0]).toBe('IDENTIFIED → ACQUIRED, CONVERTED, CHURNED');
  });
});
