/** Lifecycle: the customer's stage (stages.ts is the pure stage table) and its history. */
import { defineModule } from '../module';
import { createLifecycleLoaders } from './lifecycle.loaders';
import { CustomerLifecycleFields, LifecycleResolver, StageChangeFields } from './lifecycle.resolver';
import { LifecycleService } from './lifecycle.service';
import { StageChange } from './stage-change.entity';
import { LIFECYCLE_SQL } from './stage-change.sql';
import { lifecyclePersonalData } from './lifecycle.privacy';

declare module '../context' {
  interface Loaders extends ReturnType<typeof createLifecycleLoaders> {}
  interface Services {
    lifecycle: LifecycleService;
  }
}

export const lifecycle = defineModule({
  name: 'lifecycle',
  entities: [StageChange],
  resolvers: [LifecycleResolver, CustomerLifecycleFields, StageChangeFields],
  loaders: createLifecycleLoaders,
  services: ({ ds, clock }) => ({ lifecycle: new LifecycleService(ds, clock) }),
  nodeTypes: { StageChange: 'stageChangeById' },
  nodeOwners: { StageChange: (r: { customerId: string }) => ({ customers: [r.customerId] }) },
  sql: LIFECYCLE_SQL,
  personalData: lifecyclePersonalData,
});
