/** The kinds of customer events the outbox carries. Add, never rename: partners filter on them. */
export enum CustomerEventType {
  CUSTOMER_CREATED = 'CUSTOMER_CREATED',
  CUSTOMER_UPDATED = 'CUSTOMER_UPDATED',
  STAGE_CHANGED = 'STAGE_CHANGED',
  PURCHASE_RECORDED = 'PURCHASE_RECORDED',
  TOUCHPOINT_RECORDED = 'TOUCHPOINT_RECORDED',
  REFERRAL_CREATED = 'REFERRAL_CREATED',
  /** A bulk import committed (src/modules/imports). About the graph, not one customer: its customerId is null. */
  IMPORT_COMPLETED = 'IMPORT_COMPLETED',
}

/** What a service hands the outbox; written in the caller's transaction. */
export interface NewCustomerEvent {
  type: CustomerEventType;
  /** The customer it is about; null only for graph-wide events (IMPORT_COMPLETED). */
  customerId: string | null;
  /** JSON-serialisable payload specific to the type (e.g. { from, to, reason } for STAGE_CHANGED). */
  payload: Record<string, unknown>;
  occurredAt: Date;
}
