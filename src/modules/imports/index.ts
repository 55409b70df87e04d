/** Bulk import of customers, purchases, touchpoints and referrals (docs/import.md); served over HTTP by server/import-route.ts. */
import { defineModule } from '../module';
import { ImportService } from './import.service';

declare module '../context' {
  interface Services {
    imports: ImportService;
  }
}

export const imports = defineModule({
  name: 'imports',
  services: ({ ds, clock }) => ({ imports: new ImportService(ds, clock) }),
  // Imported purchases re-score their customers after commit, off the request path, in batches.
  connect: (s) => s.imports.onPurchasesImported((customerIds) => s.analytics.models.scheduleRescore(customerIds)),
});
