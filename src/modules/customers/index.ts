/** Customers: the profile every other module hangs off. */
import { defineModule } from '../module';
import { Customer } from './customer.entity';
import { CustomerFields } from './customer.fields';
import { createCustomerLoaders } from './customer.loaders';
import { CustomerResolver } from './customer.resolver';
import { CustomerService } from './customer.service';
import { CUSTOMERS_SQL } from './customer.sql';
import { customerPersonalData } from './customer.privacy';

declare module '../context' {
  interface Loaders extends ReturnType<typeof createCustomerLoaders> {}
  interface Services {
    customers: CustomerService;
  }
}

export const customers = defineModule({
  name: 'customers',
  entities: [Customer],
  resolvers: [CustomerResolver, CustomerFields],
  loaders: createCustomerLoaders,
  services: ({ ds, clock }) => ({ customers: new CustomerService(ds, clock) }),
  nodeTypes: { Customer: 'customerById' },
  nodeOwners: { Customer: (c: Customer) => ({ customers: [c.id] }) },
  sql: CUSTOMERS_SQL,
  personalData: customerPersonalData,
});
