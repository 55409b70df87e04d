/**
 * Privacy: the right of access (`exportCustomerData`), the right to erasure
 * (`eraseCustomer`) and their audit log. What each module holds about a
 * person, and how it is erased, is that module's `personalData`
 * contribution; this module runs them (docs/privacy.md).
 */
import { defineModule } from '../module';
import { PrivacyAuditEntry } from './privacy-audit.entity';
import { PrivacyAuditEntryFields, PrivacyResolver } from './privacy.resolver';
import { PrivacyService } from './privacy.service';

declare module '../context' {
  interface Services {
    privacy: PrivacyService;
  }
}

export const privacy = defineModule({
  name: 'privacy',
  entities: [PrivacyAuditEntry],
  resolvers: [PrivacyResolver, PrivacyAuditEntryFields],
  services: ({ ds, clock, personalData, log }) => ({ privacy: new PrivacyService(ds, clock, personalData, log) }),
});
