/** Events: the outbox, the live feed and the subscriptions over it. */
import { defineModule } from '../module';
import { createEventLoaders } from './events.loaders';
import {
  CustomerEventFields,
  EVENT_NODE_OWNERS,
  EVENT_NODE_TYPES,
  EventResolver,
  PurchaseRecordedEventFields,
  ReferralCreatedEventFields,
  StageChangedEventFields,
  TouchpointRecordedEventFields,
} from './events.resolver';
import { EventService } from './events.service';
import { eventPersonalData } from './events.privacy';

declare module '../context' {
  interface Loaders extends ReturnType<typeof createEventLoaders> {}
  interface Services {
    events: EventService;
  }
}

export const events = defineModule({
  name: 'events',
  // The outbox table is written and read in SQL (outbox.ts, event-store.ts): no entity.
  resolvers: [
    EventResolver,
    CustomerEventFields,
    StageChangedEventFields,
    PurchaseRecordedEventFields,
    TouchpointRecordedEventFields,
    ReferralCreatedEventFields,
  ],
  loaders: createEventLoaders,
  services: ({ ds, clock }) => ({ events: new EventService(ds, clock) }),
  nodeTypes: EVENT_NODE_TYPES,
  personalData: eventPersonalData,
  nodeOwners: EVENT_NODE_OWNERS,
});
