/** Commerce: the product catalogue, holdings and purchases. */
import { defineModule } from '../module';
import { CustomerCommerceFields, HoldingFields, PurchaseFields } from './commerce.fields';
import { createCommerceLoaders } from './commerce.loaders';
import { CommerceResolver } from './commerce.resolver';
import { CommerceService } from './commerce.service';
import { COMMERCE_SQL } from './commerce.sql';
import { commercePersonalData } from './commerce.privacy';
import { Holding } from './holding.entity';
import { Product } from './product.entity';
import { Purchase } from './purchase.entity';

declare module '../context' {
  interface Loaders extends ReturnType<typeof createCommerceLoaders> {}
  interface Services {
    commerce: CommerceService;
  }
}

export const commerce = defineModule({
  name: 'commerce',
  entities: [Product, Holding, Purchase],
  resolvers: [CommerceResolver, CustomerCommerceFields, HoldingFields, PurchaseFields],
  loaders: createCommerceLoaders,
  services: ({ ds, clock }) => ({ commerce: new CommerceService(ds, clock) }),
  nodeTypes: { Product: 'productById', Holding: 'holdingById', Purchase: 'purchaseById' },
  // Products are the catalogue, nobody's data.
  nodeOwners: {
    Product: () => ({ customers: [] }),
    Holding: (r: { customerId: string }) => ({ customers: [r.customerId] }),
    Purchase: (r: { customerId: string }) => ({ customers: [r.customerId] }),
  },
  sql: COMMERCE_SQL,
  personalData: commercePersonalData,
});
