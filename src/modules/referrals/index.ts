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
  // A referral is the data of both customers: a partner sees it only when both share with it.
  nodeOwners: { Referral: (r: { referrerId: string; referredId: string }) => ({ customers: [r.referrerId, r.referredId] }) },
  sql: REFERRALS_SQL,
  personalData: referralPersonalData,
});
