/** Touchpoints: every contact with a customer, on any channel. */
import { defineModule } from '../module';
import { Touchpoint } from './touchpoint.entity';
import { CustomerTouchpointFields, TouchpointFields } from './touchpoint.fields';
import { createTouchpointLoaders } from './touchpoint.loaders';
import { TouchpointResolver } from './touchpoint.resolver';
import { TouchpointService } from './touchpoint.service';
import { TOUCHPOINTS_SQL } from './touchpoint.sql';
import { touchpointPersonalData } from './touchpoint.privacy';

declare module '../context' {
  interface Loaders extends ReturnType<typeof createTouchpointLoaders> {}
  interface Services {
    touchpoints: TouchpointService;
  }
}

export const touchpoints = defineModule({
  name: 'touchpoints',
  entities: [Touchpoint],
  resolvers: [TouchpointResolver, CustomerTouchpointFields, TouchpointFields],
  loaders: createTouchpointLoaders,
  services: ({ ds, clock }) => ({ touchpoints: new TouchpointService(ds, clock) }),
  nodeTypes: { Touchpoint: 'touchpointById' },
  nodeOwners: { Touchpoint: (r: { customerId: string }) => ({ customers: [r.customerId] }) },
  sql: TOUCHPOINTS_SQL,
  personalData: touchpointPersonalData,
});
