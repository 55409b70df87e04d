/** Referrals: who brought whom, and through which channel. */
import { defineModule } from '../module';
import { Referral } from './referral.entity';
import { createReferralLoaders } from './referral.loaders';
import { CustomerReferralFields, ReferralFields, ReferralResolver } from './referral.resolver';
import { ReferralService } from './referral.service';
import { REFERRALS_SQL } from './referral.sql';
import { referralPersonalData } from './referral.privacy';

declare module '../context' {
  interface Loaders extends ReturnType<typeof createReferralLoaders> {}
  interface Services {
    referrals: ReferralService;
  }
}

export const referrals = defineModule({
  name: 'referrals',
  entities: [Referral],
  resolvers: [ReferralResolver, CustomerReferralFields, ReferralFields],
  loaders: createReferralLoaders,
  services: ({ ds, clock }) => ({ referrals: new ReferralService(ds, clock) }),
  nodeTypes: { Referral: 'referralById' },
  sql: REFERRALS_SQL,
  personalData: referralPersonalData,
});
