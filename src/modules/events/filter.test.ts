import { toGlobalId } from '../../shared/global-id';
import { CustomerEventType } from './event-types';
import { filterSql, MATCH_ALL, matchesFilter, MAX_FILTER_VALUES, normalizeFilter, type FilterableEvent } from './filter';

const event = (o: Partial<FilterableEvent> = {}): FilterableEvent => ({
  type: CustomerEventType.STAGE_CHANGED,
  customerId: '7',
  personaId: '3',
  payload: { from: 'ACQUIRED', to: 'CONVERTED' },
  ...o,
});

describe('event filters', () => {
  it('matches everything when nothing is given, and nothing for an empty list', () => {
    expect(matchesFilter(MATCH_ALL, event())).toBe(true);
    expect(matchesFilter(normalizeFilter({ types: [] }), event())).toBe(false);
    expect(matchesFilter(normalizeFilter({ customerIds: [] }), event())).toBe(false);
  });

  it('requires every condition and any value of a list', () => {
    const f = normalizeFilter({
      types: [CustomerEventType.STAGE_CHANGED, CustomerEventType.PURCHASE_RECORDED],
      customerIds: [toGlobalId('Customer', 7), toGlobalId('Customer', 8)],
    });
    expect(matchesFilter(f, event())).toBe(true);
    expect(matchesFilter(f, event({ customerId: '9' }))).toBe(false);
    expect(matchesFilter(f, event({ type: CustomerEventType.CUSTOMER_CREATED }))).toBe(false);
  });

  it('matches personas as they were when the event happened; a customer without one never matches a persona filter', () => {
    const f = normalizeFilter({ personaIds: [toGlobalId('Persona', 3)] });
    expect(matchesFilter(f, event())).toBe(true);
    expect(matchesFilter(f, event({ personaId: null }))).toBe(false);
  });

  it('applies from/to only to stage changes', () => {
    const f = normalizeFilter({ to: ['CONVERTED'], from: ['ACQUIRED', 'IDENTIFIED'] });
    expect(matchesFilter(f, event())).toBe(true);
    expect(matchesFilter(f, event({ payload: { from: 'IDENTIFIED', to: 'ACQUIRED' } }))).toBe(false);
    expect(matchesFilter(f, event({ type: CustomerEventType.PURCHASE_RECORDED, payload: {} }))).toBe(false);
  });

  it('pins the types for customerStageChanged whatever the input says', () => {
    const f = normalizeFilter({ types: [CustomerEventType.CUSTOMER_CREATED] }, 'filter', [CustomerEventType.STAGE_CHANGED]);
    expect([...f.types!]).toEqual([CustomerEventType.STAGE_CHANGED]);
  });

  it('rejects IDs of the wrong type and over-long lists, naming the field', () => {
    expect(() => normalizeFilter({ customerIds: [toGlobalId('Customer', 1), toGlobalId('Persona', 1)] })).toThrow(
      expect.objectContaining({ code: 'BAD_USER_INPUT', extensions: { field: 'filter.customerIds[1]' } }),
    );
    const many = Array.from({ length: MAX_FILTER_VALUES + 1 }, (_, i) => toGlobalId('Customer', i + 1));
    expect(() => normalizeFilter({ customerIds: many })).toThrow(
      expect.objectContaining({ code: 'BAD_USER_INPUT', extensions: expect.objectContaining({ field: 'filter.customerIds' }) }),
    );
  });

  it('builds the same conditions as SQL, numbering parameters from the given index', () => {
    expect(filterSql(MATCH_ALL, 3)).toEqual({ conditions: [], params: [] });
    const f = normalizeFilter({ types: [CustomerEventType.STAGE_CHANGED], personaIds: [toGlobalId('Persona', 3)], to: ['CONVERTED'] });
    expect(filterSql(f, 3)).toEqual({
      conditions: [
        'e.type = ANY($3::text[])',
        'e.persona_id = ANY($4::bigint[])',
        "e.type = 'STAGE_CHANGED'",
        "e.payload->>'to' = ANY($5::text[])",
      ],
      params: [['STAGE_CHANGED'], ['3'], ['CONVERTED']],
    });
  });
});

describe('graph-wide events (no customer)', () => {
  const imported: FilterableEvent = {
    type: CustomerEventType.IMPORT_COMPLETED,
    customerId: null,
    personaId: null,
    payload: { kind: 'purchases' },
  };

  it('match no customerIds or personaIds filter, but match a types filter and no filter', () => {
    expect(matchesFilter(MATCH_ALL, imported)).toBe(true);
    expect(matchesFilter(normalizeFilter({ types: [CustomerEventType.IMPORT_COMPLETED] }), imported)).toBe(true);
    expect(matchesFilter(normalizeFilter({ customerIds: [toGlobalId('Customer', '1')] }), imported)).toBe(false);
    expect(matchesFilter(normalizeFilter({ personaIds: [toGlobalId('Persona', '1')] }), imported)).toBe(false);
  });
});
