/**
 * Event filters: one normalised shape, one predicate for live delivery and the
 * same conditions as SQL for replay and paging, so a replayed stream and a live
 * one select exactly the same events.
 *
 * Semantics: every given condition must hold; a list matches any of its
 * values; an omitted (null) list means "any"; an empty list matches nothing.
 */
import { fromGlobalId } from '../../shared/global-id';
import { badInput } from '../../shared/errors';
import { CustomerEventType, PARTNER_EVENT_TYPES } from './event-types';

/** Most values a single filter list may hold. */
export const MAX_FILTER_VALUES = 200;

export interface EventFilter {
  types: ReadonlySet<CustomerEventType> | null;
  /** Local customer ids. */
  customerIds: ReadonlySet<string> | null;
  /** Local persona ids; matched against the persona the customer had when the event happened. */
  personaIds: ReadonlySet<string> | null;
  /** STAGE_CHANGED only: the stage left. */
  fromStages: ReadonlySet<string> | null;
  /** STAGE_CHANGED only: the stage entered. */
  toStages: ReadonlySet<string> | null;
  /**
   * The partner scope of a PARTNER key (see sharing/): only events about
   * customers who share with this partner now (for REFERRAL_CREATED, both
   * customers), and of the sharing events only this partner's own. Set from
   * the viewer, never from client input.
   */
  partner?: string | null;
}

/** What the predicate needs of an event. */
export interface FilterableEvent {
  type: CustomerEventType;
  /** Null for graph-wide events (IMPORT_COMPLETED): a customerIds or personaIds filter never matches them. */
  customerId: string | null;
  personaId: string | null;
  payload: Record<string, unknown>;
  /** Live events read for partner streams: each customer of the event → the partners they share with now (see feed.ts). */
  sharedWith?: ReadonlyMap<string, ReadonlySet<string>> | null;
}

export const MATCH_ALL: EventFilter = { types: null, customerIds: null, personaIds: null, fromStages: null, toStages: null };

/** Filter input as the API receives it: global IDs, enum values. */
export interface EventFilterInput {
  types?: readonly CustomerEventType[] | null;
  customerIds?: readonly string[] | null;
  personaIds?: readonly string[] | null;
  from?: readonly string[] | null;
  to?: readonly string[] | null;
}

function list<T, R>(values: readonly T[] | null | undefined, field: string, map: (v: T, path: string) => R): ReadonlySet<R> | null {
  if (values == null) return null;
  if (values.length > MAX_FILTER_VALUES) {
    throw badInput(field, `Pass at most ${MAX_FILTER_VALUES} values in ${field}.`, { max: MAX_FILTER_VALUES });
  }
  return new Set(values.map((v, i) => map(v, `${field}[${i}]`)));
}

/**
 * Checks and normalises a filter; throws BAD_USER_INPUT naming the field (e.g.
 * `filter.customerIds[2]`) for an ID of the wrong type or a list that is too
 * long. `forceTypes` pins the event types (customerStageChanged).
 */
export function normalizeFilter(
  input: EventFilterInput | null | undefined,
  field = 'filter',
  forceTypes?: readonly CustomerEventType[],
): EventFilter {
  const validType = (t: CustomerEventType, path: string) => {
    if (!Object.values(CustomerEventType).includes(t)) throw badInput(path, `Unknown event type "${String(t)}".`);
    return t;
  };
  return {
    types: forceTypes ? new Set(forceTypes) : list(input?.types, `${field}.types`, validType),
    customerIds: list(input?.customerIds, `${field}.customerIds`, (id, path) => fromGlobalId(id, 'Customer', path)),
    personaIds: list(input?.personaIds, `${field}.personaIds`, (id, path) => fromGlobalId(id, 'Persona', path)),
    fromStages: list(input?.from, `${field}.from`, (s) => s),
    toStages: list(input?.to, `${field}.to`, (s) => s),
  };
}

const payloadText = (payload: Record<string, unknown>, key: string): string | null => {
  const v = payload[key];
  return typeof v === 'string' ? v : null;
};

/** The customers an event is about, for the partner scope: its customer, and the referred one of a referral; none for a graph-wide event. */
export function scopedCustomerIds(event: Pick<FilterableEvent, 'type' | 'customerId' | 'payload'>): string[] {
  if (event.customerId === null) return [];
  return event.type === CustomerEventType.REFERRAL_CREATED && event.payload.referredId != null
    ? [event.customerId, String(event.payload.referredId)]
    : [event.customerId];
}

function inPartnerScope(partner: string, event: FilterableEvent): boolean {
  if (PARTNER_EVENT_TYPES.includes(event.type)) return event.payload.partner === partner;
  // Graph-wide events (IMPORT_COMPLETED) are about no customer the partner was given.
  if (event.customerId === null) return false;
  return scopedCustomerIds(event).every((id) => event.sharedWith?.get(id)?.has(partner) === true);
}

/** True when `event` passes every condition of `filter`. */
export function matchesFilter(filter: EventFilter, event: FilterableEvent): boolean {
  if (filter.partner != null && !inPartnerScope(filter.partner, event)) return false;
  if (filter.types && !filter.types.has(event.type)) return false;
  if (filter.customerIds && (event.customerId === null || !filter.customerIds.has(event.customerId))) return false;
  if (filter.personaIds && (event.personaId === null || !filter.personaIds.has(event.personaId))) return false;
  if (filter.fromStages || filter.toStages) {
    if (event.type !== CustomerEventType.STAGE_CHANGED) return false;
    const from = payloadText(event.payload, 'from');
    const to = payloadText(event.payload, 'to');
    if (filter.fromStages && (from === null || !filter.fromStages.has(from))) return false;
    if (filter.toStages && (to === null || !filter.toStages.has(to))) return false;
  }
  return true;
}

/**
 * The same conditions as SQL over alias `e` of `customer_event`, with
 * parameters numbered from `$${firstParam}`. Returns an empty condition list
 * for MATCH_ALL.
 */
export function filterSql(filter: EventFilter, firstParam: number): { conditions: string[]; params: unknown[] } {
  const conditions: string[] = [];
  const params: unknown[] = [];
  const add = (sql: (p: string) => string, values: ReadonlySet<string> | null) => {
    if (!values) return;
    params.push([...values]);
    conditions.push(sql(`$${firstParam + params.length - 1}`));
  };
  add((p) => `e.type = ANY(${p}::text[])`, filter.types);
  add((p) => `e.customer_id = ANY(${p}::bigint[])`, filter.customerIds);
  add((p) => `e.persona_id = ANY(${p}::bigint[])`, filter.personaIds);
  if (filter.fromStages || filter.toStages) conditions.push(`e.type = '${CustomerEventType.STAGE_CHANGED}'`);
  add((p) => `e.payload->>'from' = ANY(${p}::text[])`, filter.fromStages);
  add((p) => `e.payload->>'to' = ANY(${p}::text[])`, filter.toStages);
  if (filter.partner != null) {
    params.push(filter.partner);
    const p = `$${firstParam + params.length - 1}::text`;
    const partnerTypes = PARTNER_EVENT_TYPES.map((t) => `'${t}'`).join(', ');
    const shares = (customerId: string) =>
      `EXISTS (SELECT 1 FROM partner_sharing ps WHERE ps.partner = ${p} AND ps.customer_id = ${customerId})`;
    conditions.push(
      `CASE WHEN e.type IN (${partnerTypes}) THEN e.payload->>'partner' = ${p}` +
        ` ELSE ${shares('e.customer_id')} AND (e.type <> '${CustomerEventType.REFERRAL_CREATED}' OR ${shares(`(e.payload->>'referredId')::bigint`)}) END`,
    );
  }
  return { conditions, params };
}
