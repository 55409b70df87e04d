/** The kinds of customer events the outbox carries. Add, never rename: partners filter on them. */
export enum CustomerEventType {
  CUSTOMER_CREATED = 'CUSTOMER_CREATED',
  CUSTOMER_UPDATED = 'CUSTOMER_UPDATED',
  STAGE_CHANGED = 'STAGE_CHANGED',
  PURCHASE_RECORDED = 'PURCHASE_RECORDED',
  TOUCHPOINT_RECORDED = 'TOUCHPOINT_RECORDED',
  REFERRAL_CREATED = 'REFERRAL_CREATED',
  /** The customer was erased (right to erasure): partners delete every copy they hold. Ids only. */
  CUSTOMER_ERASED = 'CUSTOMER_ERASED',
  /** The customer agreed to share with a partner (payload: { partner }); delivered to that partner's keys only. */
  CUSTOMER_SHARING_STARTED = 'CUSTOMER_SHARING_STARTED',
  /** The customer withdrew their consent to share with a partner (payload: { partner }); delivered to that partner's keys only. */
  CUSTOMER_SHARING_ENDED = 'CUSTOMER_SHARING_ENDED',
  CUSTOMER_MERGED = 'CUSTOMER_MERGED',
  CUSTOMER_UNMERGED = 'CUSTOMER_UNMERGED',
  /** Consent or communication preferences changed: which channels, new statuses, preferred channel, cap (no personal data). */
  CONSENT_CHANGED = 'CONSENT_CHANGED',
  /** A bulk import committed (src/modules/imports). About the graph, not one customer: its customerId is null. */
  IMPORT_COMPLETED = 'IMPORT_COMPLETED',
}

/** Event types addressed to one partner (`payload.partner`): a partner's feed has them only for itself. */
export const PARTNER_EVENT_TYPES: readonly CustomerEventType[] = [
  CustomerEventType.CUSTOMER_SHARING_STARTED,
  CustomerEventType.CUSTOMER_SHARING_ENDED,
];

/** What a service hands the outbox; written in the caller's transaction. */
export interface NewCustomerEvent {
  type: CustomerEventType;
  /** The customer it is about; null only for graph-wide events (IMPORT_COMPLETED). */
  customerId: string | null;
  /** JSON-serialisable payload specific to the type (e.g. { from, to, reason } for STAGE_CHANGED). */
  payload: Record<string, unknown>;
  occurredAt: Date;
}
