/** Partner sharing: customers' consents to share with partners, and the partner scope every read path applies. */
import { defineModule } from '../module';
import { PartnerSharingChange } from './sharing.entity';
import { createSharingLoaders } from './sharing.loaders';
import { CustomerSharingFields, SharingResolver } from './sharing.resolver';
import { SharingService } from './sharing.service';
import { sharingPersonalData } from './sharing.privacy';

export { PartnerScope, partnerScopeFor, partnerSharedSql, type NodeOwners } from './sharing.scope';

declare module '../context' {
  interface Loaders extends ReturnType<typeof createSharingLoaders> {}
  interface Services {
    sharing: SharingService;
  }
}

export const sharing = defineModule({
  name: 'sharing',
  entities: [PartnerSharingChange],
  resolvers: [SharingResolver, CustomerSharingFields],
  loaders: createSharingLoaders,
  services: ({ ds }) => ({ sharing: new SharingService(ds) }),
  personalData: sharingPersonalData,
});
