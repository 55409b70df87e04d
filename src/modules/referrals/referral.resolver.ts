import { Arg, Args, Ctx, Field, FieldResolver, Mutation, ObjectType, Resolver, Root } from 'type-graphql';
import type { Context } from '../context';
import { ConnectionArgs, ConnectionType, toConnection } from '../../shared/graphql/connection';
import { toPageRequest } from '../../shared/pagination';
import { Customer } from '../customers/customer.entity';
import { Referral } from './referral.entity';
import { CreateReferralInput } from './referral.inputs';

export const ReferralConnection = ConnectionType(Referral, 'Referral', 'referrals');

@ObjectType({ description: 'Result of `createReferral`.' })
export class CreateReferralPayload {
  @Field(() => Referral, { description: 'The new referral.' })
  referral!: Referral;
}

@Resolver()
export class ReferralResolver {
  @Mutation(() => CreateReferralPayload, {
    description:
      "Records that one customer referred another. A referrer's first referral moves them to ADVOCATE when their stage allows (FIRST_REFERRAL). Emits REFERRAL_CREATED.",
  })
  async createReferral(
    @Arg('input', () => CreateReferralInput, { description: 'Who referred whom.' }) input: CreateReferralInput,
    @Ctx() ctx: Context,
  ): Promise<CreateReferralPayload> {
    return { referral: await ctx.services.referrals.create(input) };
  }
}

@Resolver(() => Customer)
export class CustomerReferralFields {
  @FieldResolver(() => ReferralConnection, {
    description: 'Referrals this customer made, oldest first. `totalCount` is the referral count.',
  })
  async referralsMade(@Root() customer: Customer, @Args() page: ConnectionArgs, @Ctx() ctx: Context) {
    // A partner sees a referral only when the referred customer shares with it too.
    const scope = ctx.partnerScope?.childFilter('referred_id') ?? null;
    return toConnection(await ctx.loaders.referralsByReferrer(customer.id, toPageRequest(page, 'referralsMade.'), scope, 'referralsMade.'));
  }

  @FieldResolver(() => Referral, {
    nullable: true,
    description: 'The referral that brought this customer in; null if they came on their own.',
  })
  async referredBy(@Root() customer: Customer, @Ctx() ctx: Context): Promise<Referral | null> {
    const referral = await ctx.loaders.referralByReferred.load(customer.id);
    // A partner sees a referral only when the referrer shares with it too.
    if (referral && ctx.partnerScope && !(await ctx.partnerScope.sees([referral.referrerId]))) return null;
    return referral;
  }
}

@Resolver(() => Referral)
export class ReferralFields {
  @FieldResolver(() => Customer, { description: 'The customer who made the recommendation.' })
  async referrer(@Root() referral: Referral, @Ctx() ctx: Context): Promise<Customer> {
    return (await ctx.loaders.customerById.load(referral.referrerId))!;
  }

  @FieldResolver(() => Customer, { description: 'The customer who was referred.' })
  async referred(@Root() referral: Referral, @Ctx() ctx: Context): Promise<Customer> {
    return (await ctx.loaders.customerById.load(referral.referredId))!;
  }
}
