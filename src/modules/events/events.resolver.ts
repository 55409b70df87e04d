/**
 * The event feed over GraphQL: `Query.customerEvents` (HTTP paging),
 * `Query.latestCustomerEventCursor`, the two subscriptions, and the event
 * types' object fields. Thin: arguments → EventService → events.
 */
import { Arg, Ctx, FieldResolver, ID, Int, Query, Resolver, Root, Subscription, type SubscribeResolverData } from 'type-graphql';
import type { Context } from '../context';
import { Product } from '../commerce/product.entity';
import { Purchase } from '../commerce/purchase.entity';
import { Customer } from '../customers/customer.entity';
import { StageChange } from '../lifecycle/stage-change.entity';
import { Referral } from '../referrals/referral.entity';
import { Touchpoint } from '../touchpoints/touchpoint.entity';
import { CustomerEventType } from './event-types';
import type { FeedEvent } from './feed';
import { normalizeFilter, type EventFilter } from './filter';
import { transportOf } from './transport';
import { partnerScopeOf } from '../auth/viewer';
import type { NodeOwners } from '../sharing/sharing.scope';
import {
  CustomerEvent,
  CustomerEventConnection,
  CustomerEventFilter,
  CustomerSharingEndedEvent,
  CustomerSharingStartedEvent,
  EVENT_CLASSES,
  PurchaseRecordedEvent,
  ReferralCreatedEvent,
  StageChangedEvent,
  StageChangeFilter,
  toGraphQLEvent,
  TouchpointRecordedEvent,
} from './events.types';
import { internalError, notFound } from '../../shared/errors';
import { toGlobalId } from '../../shared/global-id';

/** The event node types `node(id:)` resolves, each through the `customerEventById` loader (read by graphql/node.resolver.ts). */
export const EVENT_NODE_TYPES: Readonly<Record<string, 'customerEventById'>> = Object.fromEntries(
  Object.values(EVENT_CLASSES).map((cls) => [cls.name, 'customerEventById']),
);

/**
 * Whose data each event is: its customers (both of a referral), for a sharing event the partner it
 * is addressed to; graph-wide events (IMPORT_COMPLETED) are no partner's.
 */
export const EVENT_NODE_OWNERS: Readonly<Record<string, (event: CustomerEvent) => NodeOwners>> = Object.fromEntries(
  Object.values(EVENT_CLASSES).map((cls) => [
    cls.name,
    (e: CustomerEvent): NodeOwners =>
      e instanceof CustomerSharingStartedEvent || e instanceof CustomerSharingEndedEvent
        ? { partner: e.partner }
        : e.customerId === null
          ? { hidden: true }
          : { customers: e instanceof ReferralCreatedEvent ? [e.customerId, e.referredId] : [e.customerId] },
  ]),
);

const AFTER_DESCRIPTION =
  "Replay every matching event after this cursor (from an event's `cursor`, `resumeCursor` or `latestCustomerEventCursor`), then continue live, with no gap and no duplicate in between. Omit to receive only events committed from now on. A cursor older than the retention window fails with RESYNC_REQUIRED.";

type SubscribeData<F> = SubscribeResolverData<unknown, { filter?: F | null; after?: string | null }, Context>;

/** Opens the service stream for a subscription; the transport (ws.ts) decides how a too-slow subscriber is cut off. */
function openStream(data: SubscribeData<unknown>, unscoped: EventFilter): Promise<AsyncIterable<FeedEvent>> {
  const args = data.args;
  const filter: EventFilter = { ...unscoped, partner: partnerScopeOf(data.context.viewer) };
  const transport = transportOf(data.context);
  return data.context.services.events.subscribe({
    filter,
    after: args.after,
    onOverflow: () => transport?.slowConsumer(),
  });
}

@Resolver()
export class EventResolver {
  @Query(() => CustomerEventConnection, {
    name: 'customerEvents',
    description:
      'The retained customer events (see EVENT_RETENTION_DAYS), oldest first: the same events the `customerEvents` subscription delivers, readable over HTTP. Use it to catch up or to poll.',
  })
  async customerEventsPage(
    @Arg('first', () => Int, { nullable: true, description: 'How many events to return (default 50, at most 200).' }) first: number | null,
    @Arg('after', () => String, {
      nullable: true,
      description: 'Return events after this cursor. A cursor older than the retention window fails with RESYNC_REQUIRED.',
    })
    after: string | null,
    @Arg('filter', () => CustomerEventFilter, { nullable: true, description: 'Which events to return.' })
    filter: CustomerEventFilter | null,
    @Ctx() ctx: Context,
  ): Promise<Omit<CustomerEventConnection, 'totalCount'> & { readonly totalCount: Promise<number> }> {
    const page = await ctx.services.events.page({ ...normalizeFilter(filter), partner: ctx.partnerScope?.partner ?? null }, first, after);
    const nodes = page.events.map((e) => toGraphQLEvent(e));
    return {
      edges: nodes.map((node) => ({ cursor: node.cursor, node })),
      nodes,
      pageInfo: {
        hasNextPage: page.hasNextPage,
        hasPreviousPage: page.hasPreviousPage,
        startCursor: nodes[0]?.cursor ?? null,
        endCursor: nodes[nodes.length - 1]?.cursor ?? null,
      },
      // Counted only when selected.
      get totalCount() {
        return page.totalCount();
      },
      resumeCursor: page.resumeCursor,
    };
  }

  @Query(() => String, {
    description:
      'The cursor of the newest event. Read it before loading your initial data, then subscribe with `after:` it, and nothing that changes in between is missed.',
  })
  latestCustomerEventCursor(@Ctx() ctx: Context): Promise<string> {
    return ctx.services.events.latestCursor();
  }

  @Subscription(() => CustomerEvent, {
    name: 'customerEvents',
    description:
      'Every change to customers, live, in commit order, across all API instances. Filter by type, customer or persona; resume with `after`. A subscriber that falls too far behind is disconnected (close code 4413) and should resume with `after`.',
    subscribe: (data: SubscribeData<CustomerEventFilter>) => openStream(data, normalizeFilter(data.args.filter)),
  })
  customerEventsLive(
    @Root() event: FeedEvent,
    @Arg('filter', () => CustomerEventFilter, { nullable: true, validate: false, description: 'Which events to receive; omit for all.' })
    _filter: CustomerEventFilter | null,
    @Arg('after', () => String, { nullable: true, validate: false, description: AFTER_DESCRIPTION }) _after: string | null,
  ): CustomerEvent {
    return toGraphQLEvent(event);
  }

  @Subscription(() => StageChangedEvent, {
    description:
      'Lifecycle stage changes, live, in commit order, manual and automatic alike (e.g. FIRST_PURCHASE → CONVERTED). Filter by target or source stage, persona or customer; resume with `after`.',
    subscribe: (data: SubscribeData<StageChangeFilter>) =>
      openStream(data, normalizeFilter(data.args.filter, 'filter', [CustomerEventType.STAGE_CHANGED])),
  })
  customerStageChanged(
    @Root() event: FeedEvent,
    @Arg('filter', () => StageChangeFilter, {
      nullable: true,
      validate: false,
      description: 'Which stage changes to receive; omit for all.',
    })
    _filter: StageChangeFilter | null,
    @Arg('after', () => String, { nullable: true, validate: false, description: AFTER_DESCRIPTION }) _after: string | null,
  ): StageChangedEvent {
    return toGraphQLEvent(event) as StageChangedEvent;
  }
}

/** The row an event refers to by an optional id: null when the event carries none. */
function loadIfSet<T>(loader: { load(id: string): Promise<T | null> }, id: string | null | undefined): Promise<T | null> | null {
  return id ? loader.load(id) : null;
}

@Resolver(() => CustomerEvent)
export class CustomerEventFields {
  @FieldResolver(() => ID, {
    nullable: true,
    description:
      "The customer's global ID, also when `customer` is null for a PARTNER key; null only for graph-wide events (`ImportCompletedEvent`).",
  })
  customerId(@Root() event: CustomerEvent): string | null {
    return event.customerId === null ? null : toGlobalId('Customer', event.customerId);
  }

  @FieldResolver(() => Customer, {
    nullable: true,
    description:
      "The customer it happened to, as they are now (read when the event was delivered). Null for a PARTNER key on CUSTOMER_SHARING_ENDED (the customer is out of the partner's scope; read `customerId` there), and for graph-wide events (`ImportCompletedEvent`).",
  })
  async customer(@Root() event: CustomerEvent, @Ctx() ctx: Context): Promise<Customer | null> {
    if (event.customerId === null) return null;
    if (ctx.partnerScope && !(await ctx.partnerScope.sees([event.customerId]))) return null;
    // Live events share one loader per read across all subscribers (see feed.ts); others use the request's.
    const customer = await (event.customers ?? ctx.loaders.customerById).load(event.customerId);
    if (!customer) throw internalError('the customer of an event does not exist', { customerId: event.customerId, eventId: event.id });
    return customer;
  }
}

@Resolver(() => StageChangedEvent)
export class StageChangedEventFields {
  @FieldResolver(() => StageChange, { nullable: true, description: 'The stage-history row written for this move.' })
  stageChange(@Root() event: StageChangedEvent, @Ctx() ctx: Context): Promise<StageChange | null> | null {
    return loadIfSet(ctx.loaders.stageChangeById, event.stageChangeId);
  }
}

@Resolver(() => PurchaseRecordedEvent)
export class PurchaseRecordedEventFields {
  @FieldResolver(() => Purchase, { nullable: true, description: 'The purchase.' })
  purchase(@Root() event: PurchaseRecordedEvent, @Ctx() ctx: Context): Promise<Purchase | null> | null {
    return loadIfSet(ctx.loaders.purchaseById, event.purchaseId);
  }

  @FieldResolver(() => Product, { nullable: true, description: 'The product bought, if known.' })
  product(@Root() event: PurchaseRecordedEvent, @Ctx() ctx: Context): Promise<Product | null> | null {
    return loadIfSet(ctx.loaders.productById, event.productId);
  }
}

@Resolver(() => TouchpointRecordedEvent)
export class TouchpointRecordedEventFields {
  @FieldResolver(() => Touchpoint, { nullable: true, description: 'The touchpoint.' })
  touchpoint(@Root() event: TouchpointRecordedEvent, @Ctx() ctx: Context): Promise<Touchpoint | null> | null {
    return loadIfSet(ctx.loaders.touchpointById, event.touchpointId);
  }

  @FieldResolver(() => Product, { nullable: true, description: 'The product it was about, if any.' })
  product(@Root() event: TouchpointRecordedEvent, @Ctx() ctx: Context): Promise<Product | null> | null {
    return loadIfSet(ctx.loaders.productById, event.productId);
  }
}

@Resolver(() => ReferralCreatedEvent)
export class ReferralCreatedEventFields {
  @FieldResolver(() => Referral, { nullable: true, description: 'The referral.' })
  referral(@Root() event: ReferralCreatedEvent, @Ctx() ctx: Context): Promise<Referral | null> | null {
    return loadIfSet(ctx.loaders.referralById, event.referralId);
  }

  @FieldResolver(() => Customer, { description: 'The customer who was referred.' })
  async referred(@Root() event: ReferralCreatedEvent, @Ctx() ctx: Context): Promise<Customer> {
    // A partner's feed carries a referral only when both customers share with it; one withdrawn since is NOT_FOUND.
    if (ctx.partnerScope && !(await ctx.partnerScope.sees([event.referredId])))
      throw notFound('customer', toGlobalId('Customer', event.referredId));
    const customer = await ctx.loaders.customerById.load(event.referredId);
    if (!customer)
      throw internalError('the referred customer of an event does not exist', { referredId: event.referredId, eventId: event.id });
    return customer;
  }
}
