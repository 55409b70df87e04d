import { Arg, Ctx, Field, FieldResolver, Mutation, ObjectType, Resolver, Root } from 'type-graphql';
import type { Context } from '../context';
import { Customer } from '../customers/customer.entity';
import { ConsentRecord } from './consent-record.entity';
import { SetCommunicationPreferencesInput } from './consent.inputs';

@ObjectType({ description: 'Result of `setCommunicationPreferences`.' })
export class SetCommunicationPreferencesPayload {
  @Field(() => ConsentRecord, { description: 'The record appended to the consent history.' })
  consentRecord!: ConsentRecord;

  customerId!: string;
}

@Resolver()
export class ConsentResolver {
  @Mutation(() => SetCommunicationPreferencesPayload, {
    description:
      "Records a change of the customer's consent per channel, preferred channel or contact cap as a new consent record (history is never overwritten). Emits CONSENT_CHANGED. Errors: BAD_USER_INPUT for a channel named twice, nothing to change, a blank source, a cap out of range, or an opted-out preferred channel; NOT_FOUND for an unknown customer.",
  })
  async setCommunicationPreferences(
    @Arg('input', () => SetCommunicationPreferencesInput, { description: 'The change.' }) input: SetCommunicationPreferencesInput,
    @Ctx() ctx: Context,
  ): Promise<SetCommunicationPreferencesPayload> {
    const record = await ctx.services.consent.setPreferences(input, ctx.viewer.apiKeyId);
    return Object.assign(new SetCommunicationPreferencesPayload(), { consentRecord: record, customerId: record.customerId });
  }
}

@Resolver(() => SetCommunicationPreferencesPayload)
export class SetCommunicationPreferencesPayloadFields {
  @FieldResolver(() => Customer, { description: 'The customer, with their preferences as they are now.' })
  async customer(@Root() payload: SetCommunicationPreferencesPayload, @Ctx() ctx: Context): Promise<Customer> {
    return (await ctx.loaders.customerById.load(payload.customerId))!;
  }
}
