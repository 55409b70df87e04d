import { Args, Ctx, FieldResolver, ID, Resolver, Root } from 'type-graphql';
import type { Context } from '../context';
import { ConnectionArgs, ConnectionType, toConnection } from '../../shared/graphql/connection';
import { toGlobalId } from '../../shared/global-id';
import { toPageRequest } from '../../shared/pagination';
import { Personal } from '../auth/policy';
import { Customer } from '../customers/customer.entity';
import { ConsentRecord } from './consent-record.entity';
import { toCommunicationPreferences } from './consent.state';
import { CommunicationPreferences } from './consent.types';

export const ConsentRecordConnection = ConnectionType(ConsentRecord, 'ConsentRecord', 'consent records');

@Resolver(() => Customer)
export class CustomerConsentFields {
  @FieldResolver(() => CommunicationPreferences, {
    nullable: true,
    description:
      'Consent per channel, preferred channel, contact cap and whether marketing may reach the customer now. Never null for a viewer allowed to read it.',
  })
  @Personal()
  async communicationPreferences(@Root() customer: Customer, @Ctx() ctx: Context): Promise<CommunicationPreferences> {
    return toCommunicationPreferences(await ctx.loaders.consentState.load(customer.id));
  }

  @FieldResolver(() => ConsentRecordConnection, {
    nullable: true,
    description: 'Every change of consent and preferences, newest first. Append-only. Never null for a viewer allowed to read it.',
  })
  @Personal()
  async consentHistory(@Root() customer: Customer, @Args() page: ConnectionArgs, @Ctx() ctx: Context) {
    return toConnection(
      await ctx.loaders.consentHistoryByCustomer(customer.id, toPageRequest(page, 'consentHistory.'), null, 'consentHistory.'),
    );
  }
}

@Resolver(() => ConsentRecord)
export class ConsentRecordFields {
  @FieldResolver(() => ID, {
    nullable: true,
    description: 'Global ID of the API key that recorded it; null for records made without a key (demo data).',
  })
  recordedByApiKeyId(@Root() record: ConsentRecord): string | null {
    return record.apiKeyId ? toGlobalId('ApiKey', record.apiKeyId) : null;
  }
}
