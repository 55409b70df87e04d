/** Consent: per-channel marketing consent, preferred channel and contact cap, with their append-only history. */
import { defineModule } from '../module';
import { ConsentRecord } from './consent-record.entity';
import { ConsentRecordFields, CustomerConsentFields } from './consent.fields';
import { createConsentLoaders } from './consent.loaders';
import { ConsentResolver, SetCommunicationPreferencesPayloadFields } from './consent.resolver';
import { ConsentService } from './consent.service';
import { CONSENT_SQL } from './consent.sql';
import { consentPersonalData } from './consent.privacy';

declare module '../context' {
  interface Loaders extends ReturnType<typeof createConsentLoaders> {}
  interface Services {
    consent: ConsentService;
  }
}

export const consent = defineModule({
  name: 'consent',
  entities: [ConsentRecord],
  resolvers: [ConsentResolver, SetCommunicationPreferencesPayloadFields, CustomerConsentFields, ConsentRecordFields],
  loaders: createConsentLoaders,
  services: ({ ds, clock }) => ({ consent: new ConsentService(ds, clock) }),
  sql: CONSENT_SQL,
  personalData: consentPersonalData,
});
