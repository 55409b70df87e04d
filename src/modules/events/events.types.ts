/**
 * The GraphQL shape of the event feed: a `CustomerEvent` interface with one
 * object type per event type (so partners select typed fields with
 * `... on StageChangedEvent { from to }`), the filters, and the HTTP connection.
 */
import DataLoader from 'dataloader';
import { Field, ID, InputType, Int, InterfaceType, ObjectType, registerEnumType } from 'type-graphql';
import { Node } from '../../shared/graphql/node';
import { Personal } from '../auth/policy';
import { PageInfo } from '../../shared/graphql/connection';
import { Money } from '../../shared/graphql/scalars';
import { LifecycleStage, StageChangeTrigger } from '../lifecycle/stages';
import { Channel, Direction, TouchpointPurpose, TouchpointResponse } from '../touchpoints/touchpoint.enums';
import { ConsentChange } from '../consent/consent.types';
import type { Customer } from '../customers/customer.entity';
import { encodeEventCursor } from './event-cursor';
import { CustomerEventType } from './event-types';
import type { StoredEvent } from './event-store';
import { MAX_FILTER_VALUES } from './filter';
import { DEFAULT_EVENT_PAGE, MAX_EVENT_PAGE } from './events.service';

registerEnumType(CustomerEventType, {
  name: 'CustomerEventType',
  description: 'The kinds of change the event feed reports. New kinds may be added; existing ones are never renamed.',
  valuesConfig: {
    CUSTOMER_CREATED: { description: 'A customer was created (`createCustomer`). Type: `CustomerCreatedEvent`.' },
    CUSTOMER_UPDATED: { description: "A customer's profile changed (`updateCustomer`). Type: `CustomerUpdatedEvent`." },
    STAGE_CHANGED: {
      description: 'A customer moved to another lifecycle stage, by hand or by an automatic rule. Type: `StageChangedEvent`.',
    },
    PURCHASE_RECORDED: { description: 'A purchase was recorded for a customer (one event per purchase). Type: `PurchaseRecordedEvent`.' },
    TOUCHPOINT_RECORDED: { description: 'An interaction with a customer was recorded. Type: `TouchpointRecordedEvent`.' },
    REFERRAL_CREATED: { description: "A customer referred someone (the event's customer is the referrer). Type: `ReferralCreatedEvent`." },
    CUSTOMER_ERASED: {
      description:
        'A customer was erased (`eraseCustomer`, right to erasure). Delete every copy of their data you hold; see docs/privacy.md. Carries ids only. Type: `CustomerErasedEvent`.',
    },
    CUSTOMER_SHARING_STARTED: {
      description:
        'A customer agreed to share their data with a partner (`setPartnerSharing`). A PARTNER key receives it only for its own partner. Type: `CustomerSharingStartedEvent`.',
    },
    CUSTOMER_SHARING_ENDED: {
      description:
        'A customer withdrew their consent to share with a partner (`setPartnerSharing`). A PARTNER key receives it only for its own partner, and from then on gets NOT_FOUND for the customer: delete what you hold about them. Carries ids only. Type: `CustomerSharingEndedEvent`.',
    },
    CUSTOMER_MERGED: {
      description: "Profiles were merged into one (`mergeCustomers`); the event's customer is the survivor. Type: `CustomerMergedEvent`.",
    },
    CUSTOMER_UNMERGED: {
      description: "A merge was undone (`unmergeCustomers`); the event's customer is the former survivor. Type: `CustomerUnmergedEvent`.",
    },
    CONSENT_CHANGED: {
      description:
        "A customer's consent or communication preferences changed (`setCommunicationPreferences`). Type: `ConsentChangedEvent`. Partners that market to the customer must honour opt-outs from it.",
    },
    IMPORT_COMPLETED: {
      description:
        'A bulk import committed (see docs/import.md): one event per import with its counts, not one per row. It is about the whole graph, so its `customer` is null and a `customerIds` or `personaIds` filter never matches it. Type: `ImportCompletedEvent`.',
    },
  },
});

const FILTER_LIST = `Omit for any; an empty list matches nothing; at most ${MAX_FILTER_VALUES} values.`;

@InterfaceType({
  implements: Node,
  description:
    'Something that happened to a customer, as recorded in the same transaction as the change. Events come in commit order; each has a `cursor` to resume after it. Select type-specific fields with `... on StageChangedEvent { from to }` and so on.',
})
export abstract class CustomerEvent {
  /** The feed position (seq), also the local id behind the global `id`. */
  id!: string;
  /** Null for graph-wide events (IMPORT_COMPLETED). */
  customerId!: string | null;
  /** Loader shared by the events of one read (see feed.ts). */
  customers!: DataLoader<string, Customer | null> | null;

  @Field({
    description:
      'Opaque position of this event in the feed. Pass it as `after` (to a subscription or `Query.customerEvents`) to get every event after this one.',
  })
  cursor!: string;

  @Field(() => CustomerEventType, { description: 'What kind of event this is; it also tells which object type you have.' })
  type!: CustomerEventType;

  @Field({
    description:
      'When it happened in the business (for a purchase or touchpoint: when it took place, which may be earlier than when it was recorded).',
  })
  occurredAt!: Date;

  @Field({ description: 'When it was recorded in Customer Graph.' })
  recordedAt!: Date;
}

@ObjectType({ implements: [Node, CustomerEvent], description: 'A customer was created.' })
export class CustomerCreatedEvent extends CustomerEvent {
  @Field(() => LifecycleStage, { description: 'The stage the customer started in.' })
  stage!: LifecycleStage;
}

@ObjectType({ implements: [Node, CustomerEvent], description: "A customer's profile changed." })
export class CustomerUpdatedEvent extends CustomerEvent {
  @Field(() => [String], {
    description:
      'Names of the `Customer` fields that changed: any of `name`, `email`, `phone`, `externalId`, `persona`. Read `customer` for the new values.',
  })
  changedFields!: string[];
}

@ObjectType({
  implements: [Node, CustomerEvent],
  description: 'A customer moved to another lifecycle stage, by hand or by an automatic rule (see `trigger`).',
})
export class StageChangedEvent extends CustomerEvent {
  stageChangeId!: string | null;

  @Field(() => LifecycleStage, { nullable: true, description: 'The stage the customer left.' })
  from!: LifecycleStage | null;

  @Field(() => LifecycleStage, { description: 'The stage the customer entered.' })
  to!: LifecycleStage;

  // Free text, like StageChange.reason (the same words): personal data.
  @Field(() => String, { nullable: true, description: "Why, as given with the move (or the automatic rule's explanation)." })
  @Personal()
  reason!: string | null;

  @Field(() => StageChangeTrigger, { description: 'What caused the move: a manual request or an automatic rule such as FIRST_PURCHASE.' })
  trigger!: StageChangeTrigger;
}

@ObjectType({ implements: [Node, CustomerEvent], description: 'A purchase was recorded for the customer.' })
export class PurchaseRecordedEvent extends CustomerEvent {
  purchaseId!: string | null;
  productId!: string | null;

  @Field(() => Int, { description: 'Units bought.' })
  quantity!: number;

  @Field(() => Money, { description: 'Total amount paid for the purchase.' })
  amount!: string;
}

@ObjectType({ implements: [Node, CustomerEvent], description: 'An interaction with the customer was recorded.' })
export class TouchpointRecordedEvent extends CustomerEvent {
  touchpointId!: string | null;
  productId!: string | null;

  @Field(() => Channel, { description: 'Where it happened.' })
  channel!: Channel;

  @Field(() => Direction, { description: 'Who started it.' })
  direction!: Direction;

  @Field(() => TouchpointPurpose, { description: 'MARKETING or SERVICE (see `TouchpointPurpose`).' })
  purpose!: TouchpointPurpose;

  @Field(() => TouchpointResponse, { description: 'How the customer responded.' })
  response!: TouchpointResponse;

  @Field(() => String, { nullable: true, description: 'Campaign it belonged to, if any.' })
  campaign!: string | null;
}

@ObjectType({ implements: [Node, CustomerEvent], description: 'The customer (the referrer) referred someone.' })
export class ReferralCreatedEvent extends CustomerEvent {
  referralId!: string | null;
  referredId!: string;

  @Field(() => Channel, { description: 'Channel the referral came through.' })
  sourceChannel!: Channel;
}

@ObjectType({
  implements: [Node, CustomerEvent],
  description:
    "The customer was erased (right to erasure). Every partner must delete all copies of this customer's data it holds, including copies of earlier events. The event carries ids only; `customer` resolves to the erased tombstone (`erasedAt` set, personal fields null).",
})
export class CustomerErasedEvent extends CustomerEvent {}

@ObjectType({
  implements: [Node, CustomerEvent],
  description: 'The customer agreed to share their data with a partner; from now on its keys see the customer.',
})
export class CustomerSharingStartedEvent extends CustomerEvent {
  @Field({ description: 'The partner (as named on its PARTNER keys).' })
  partner!: string;
}

@ObjectType({
  implements: [Node, CustomerEvent],
  description: 'Profiles were merged into the customer (the survivor); their old IDs now answer the survivor.',
})
export class CustomerMergedEvent extends CustomerEvent {
  @Field(() => ID, { description: 'The merge (a `CustomerMerge`); pass it to `unmergeCustomers` to undo it.' })
  mergeId!: string;

  @Field(() => ID, { description: 'The customer the others were merged into (the same as the event customer).' })
  survivorId!: string;

  @Field(() => [ID], { description: 'The profiles merged into the survivor, now tombstones.' })
  mergedIds!: string[];
}

@ObjectType({
  implements: [Node, CustomerEvent],
  description:
    "The customer withdrew their consent to share with a partner. Ids only: for that partner's keys `customer` is null (the customer is out of scope); use `customerId`, and delete what you hold about them.",
})
export class CustomerSharingEndedEvent extends CustomerEvent {
  @Field({ description: 'The partner (as named on its PARTNER keys).' })
  partner!: string;
}

@ObjectType({
  implements: [Node, CustomerEvent],
  description: 'A merge into the customer was undone: the merged profiles are separate customers again.',
})
export class CustomerUnmergedEvent extends CustomerEvent {
  @Field(() => ID, { description: 'The merge that was undone.' })
  mergeId!: string;

  @Field(() => ID, { description: 'The former survivor (the same as the event customer).' })
  survivorId!: string;

  @Field(() => [ID], { description: 'The profiles restored as separate customers.' })
  mergedIds!: string[];
}

@ObjectType({
  implements: [Node, CustomerEvent],
  description:
    "The customer's consent or communication preferences changed. Carries channels and statuses only, never the source text or who recorded it.",
})
export class ConsentChangedEvent extends CustomerEvent {
  @Field(() => [ConsentChange], { description: 'Channels set by the change, with their new status (empty when only preferences changed).' })
  changes!: ConsentChange[];

  @Field(() => Channel, { nullable: true, description: 'The preferred channel after the change.' })
  preferredChannel!: Channel | null;

  @Field(() => Int, { nullable: true, description: "The customer's own contact cap after the change; null = the default." })
  contactCap!: number | null;
}

@ObjectType({
  implements: [Node, CustomerEvent],
  description: 'A bulk import committed. One event per import, with its counts; its `customer` is null (it is about the whole graph).',
})
export class ImportCompletedEvent extends CustomerEvent {
  @Field({ description: 'What was imported: `customers`, `purchases`, `touchpoints` or `referrals`.' })
  kind!: string;

  @Field(() => Int, { description: 'Data rows read from the file.' })
  rows!: number;

  @Field(() => Int, { description: 'Rows that added a new record.' })
  inserted!: number;

  @Field(() => Int, { description: 'Rows that changed an existing record (customers only).' })
  updated!: number;

  @Field(() => Int, { description: 'Valid rows that changed nothing (already imported, or identical).' })
  skipped!: number;

  @Field(() => Int, {
    description: 'Rows refused (bad value, unknown customer, …); the import committed because they were within its error budget.',
  })
  errors!: number;

  @Field(() => Int, { description: 'Stage changes the import caused (each also has its own STAGE_CHANGED event).' })
  stageChanges!: number;
}

/** The concrete type for each event type; also the node types the feed registers. */
export const EVENT_CLASSES = {
  CUSTOMER_CREATED: CustomerCreatedEvent,
  CUSTOMER_UPDATED: CustomerUpdatedEvent,
  STAGE_CHANGED: StageChangedEvent,
  PURCHASE_RECORDED: PurchaseRecordedEvent,
  TOUCHPOINT_RECORDED: TouchpointRecordedEvent,
  REFERRAL_CREATED: ReferralCreatedEvent,
  CUSTOMER_ERASED: CustomerErasedEvent,
  CUSTOMER_SHARING_STARTED: CustomerSharingStartedEvent,
  CUSTOMER_SHARING_ENDED: CustomerSharingEndedEvent,
  CUSTOMER_MERGED: CustomerMergedEvent,
  CUSTOMER_UNMERGED: CustomerUnmergedEvent,
  CONSENT_CHANGED: ConsentChangedEvent,
  IMPORT_COMPLETED: ImportCompletedEvent,
} as const satisfies Record<CustomerEventType, new () => CustomerEvent>;

const str = (v: unknown): string | null => (v == null ? null : String(v));
const UPDATED_FIELD_NAMES: Record<string, string> = { personaId: 'persona' };

const memo = new WeakMap<StoredEvent, CustomerEvent>();

/**
 * The GraphQL object for a stored event. Memoised per event object, so one
 * event fanned out to many subscribers is converted once.
 */
export function toGraphQLEvent(e: StoredEvent & { customers?: DataLoader<string, Customer | null> }): CustomerEvent {
  const cached = memo.get(e);
  if (cached) return cached;
  const p = e.payload;
  const out = new EVENT_CLASSES[e.type]();
  Object.assign(out, {
    id: String(e.seq),
    cursor: encodeEventCursor(e.seq),
    type: e.type,
    occurredAt: e.occurredAt,
    recordedAt: e.recordedAt,
    customerId: e.customerId,
    customers: e.customers ?? null,
  });
  if (out instanceof CustomerCreatedEvent) out.stage = p.stage as LifecycleStage;
  else if (out instanceof CustomerUpdatedEvent)
    out.changedFields = ((p.fields as string[] | undefined) ?? []).map((f) => UPDATED_FIELD_NAMES[f] ?? f);
  else if (out instanceof StageChangedEvent) {
    Object.assign(out, {
      stageChangeId: str(p.stageChangeId),
      from: (p.from as LifecycleStage | null) ?? null,
      to: p.to,
      reason: str(p.reason),
      trigger: p.trigger ?? StageChangeTrigger.MANUAL,
    });
  } else if (out instanceof PurchaseRecordedEvent) {
    Object.assign(out, {
      purchaseId: str(p.purchaseId),
      productId: str(p.productId),
      quantity: Number(p.quantity),
      amount: String(p.amount),
    });
  } else if (out instanceof TouchpointRecordedEvent) {
    Object.assign(out, {
      touchpointId: str(p.touchpointId),
      productId: str(p.productId),
      channel: p.channel,
      direction: p.direction,
      // Events recorded before touchpoints had a purpose: the default the migration gave their rows.
      purpose: p.purpose ?? (p.direction === Direction.INBOUND ? TouchpointPurpose.SERVICE : TouchpointPurpose.MARKETING),
      response: p.response,
      campaign: str(p.campaign),
    });
  } else if (out instanceof ReferralCreatedEvent) {
    Object.assign(out, { referralId: str(p.referralId), referredId: String(p.referredId), sourceChannel: p.sourceChannel });
  } else if (out instanceof CustomerSharingStartedEvent || out instanceof CustomerSharingEndedEvent) {
    out.partner = String(p.partner);
  } else if (out instanceof CustomerMergedEvent || out instanceof CustomerUnmergedEvent) {
    // The payload holds global IDs already (see merges/merge.service.ts).
    Object.assign(out, { mergeId: String(p.mergeId), survivorId: String(p.survivorId), mergedIds: (p.mergedIds as string[]).map(String) });
  } else if (out instanceof ConsentChangedEvent) {
    Object.assign(out, {
      changes: (p.changes as ConsentChange[] | undefined) ?? [],
      preferredChannel: (p.preferredChannel as Channel | null | undefined) ?? null,
      contactCap: p.contactCap == null ? null : Number(p.contactCap),
    });
  } else if (out instanceof ImportCompletedEvent) {
    const n = (k: string) => Number(p[k] ?? 0);
    Object.assign(out, {
      kind: String(p.kind),
      rows: n('rows'),
      inserted: n('inserted'),
      updated: n('updated'),
      skipped: n('skipped'),
      errors: n('errors'),
      stageChanges: n('stageChanges'),
    });
  }
  memo.set(e, out);
  return out;
}

@InputType({ description: `Which events to receive. Every condition given must hold; a list matches any of its values.` })
export class CustomerEventFilter {
  @Field(() => [CustomerEventType], { nullable: true, description: `Only these kinds of event. ${FILTER_LIST}` })
  types?: CustomerEventType[] | null;

  @Field(() => [ID], { nullable: true, description: `Only events of these customers (global IDs). ${FILTER_LIST}` })
  customerIds?: string[] | null;

  @Field(() => [ID], {
    nullable: true,
    description: `Only events of customers who had one of these personas when the event happened (global IDs). ${FILTER_LIST}`,
  })
  personaIds?: string[] | null;
}

@InputType({ description: 'Which stage changes to receive. Every condition given must hold; a list matches any of its values.' })
export class StageChangeFilter {
  @Field(() => [LifecycleStage], { nullable: true, description: `Only moves into one of these stages. ${FILTER_LIST}` })
  to?: LifecycleStage[] | null;

  @Field(() => [LifecycleStage], { nullable: true, description: `Only moves out of one of these stages. ${FILTER_LIST}` })
  from?: LifecycleStage[] | null;

  @Field(() => [ID], {
    nullable: true,
    description: `Only customers who had one of these personas when they moved (global IDs). ${FILTER_LIST}`,
  })
  personaIds?: string[] | null;

  @Field(() => [ID], { nullable: true, description: `Only these customers (global IDs). ${FILTER_LIST}` })
  customerIds?: string[] | null;
}

@ObjectType({ description: 'One event in a page, with its cursor.' })
export class CustomerEventEdge {
  @Field({ description: "The event's cursor (the same as `node.cursor`)." })
  cursor!: string;

  @Field(() => CustomerEvent, { description: 'The event.' })
  node!: CustomerEvent;
}

@ObjectType({
  description: `A page of retained events, oldest first. \`first\` defaults to ${DEFAULT_EVENT_PAGE}, at most ${MAX_EVENT_PAGE}. Page on with \`after: pageInfo.endCursor\` while \`hasNextPage\`; to poll for new events, pass \`resumeCursor\`.`,
})
export class CustomerEventConnection {
  @Field(() => [CustomerEventEdge], { description: 'The events on this page, each with its cursor.' })
  edges!: CustomerEventEdge[];

  @Field(() => [CustomerEvent], { description: 'The events on this page, without cursors.' })
  nodes!: CustomerEvent[];

  @Field(() => PageInfo, { description: 'Cursors and whether more events follow.' })
  pageInfo!: PageInfo;

  @Field(() => Int, { description: 'How many retained events after `after` match the filter, across all pages.' })
  totalCount!: number;

  @Field({
    description:
      'Where this read stopped. Pass it as `after` next time to continue without missing or repeating an event. Unlike `pageInfo.endCursor` it advances past events that did not match the filter, so a rarely-matching filter does not leave you with a cursor that ages out of the retention window.',
  })
  resumeCursor!: string;
}
