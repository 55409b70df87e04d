/** The kinds of customer events the outbox carries. Add, never rename: partners filter on them. */
export enum CustomerEventType {
  CUSTOMER_CREATED = 'CUSTOMER_CREATED',
  CUSTOMER_UPDATED = 'CUSTOMER_UPDATED',
  STAGE_CHANGED = 'STAGE_CHANGED',
  PURCHASE_RECORDED = 'PURCHASE_RECORDED',
  TOUCHPOINT_RECORDED = 'TOUCHPOINT_RECORDED',
  REFERRAL_CREATED = 'REFERRAL_CREATED',
  /** Consent or communication preferences changed: which channels, new statuses, preferred channel, cap (no personal data). */
  CONSENT_CHANGED = 'CONSENT_CHANGED',
}

/** What a service hands the outbox; written in the caller's transaction. */
export interface NewCustomerEvent {
  type: CustomerEventType;
  customerId: string;
  /** JSON-serialisable payload specific to the type (e.g. { from, to, reason } for STAGE_CHANGED). */
  payload: Record<string, unknown>;
  occurredAt: Date;
}
