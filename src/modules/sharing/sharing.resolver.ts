import { Arg, Ctx, Field, FieldResolver, Mutation, ObjectType, Resolver, Root } from 'type-graphql';
import { DomainError, ErrorCode } from '../../shared/errors';
import { Role } from '../auth/viewer';
import type { Context } from '../context';
import { Customer } from '../customers/customer.entity';
import { PartnerSharingChange } from './sharing.entity';
import { SetPartnerSharingInput } from './sharing.inputs';

/** Roles that may read a customer's sharing consents (`Customer.partnerSharing`). */
export const SHARING_READERS: readonly Role[] = [Role.ADMIN, Role.SERVICE];

@ObjectType({ description: 'Result of `setPartnerSharing`.' })
export class SetPartnerSharingPayload {
  @Field(() => Customer, { description: 'The customer.' })
  customer!: Customer;

  @Field(() => PartnerSharingChange, { description: 'The consent record just written.' })
  sharing!: PartnerSharingChange;

  @Field({
    description:
      'True when the consent changed state (and a CUSTOMER_SHARING_STARTED or CUSTOMER_SHARING_ENDED event went out); false when it was already so (the record is kept all the same).',
  })
  changed!: boolean;
}

@Resolver()
export class SharingResolver {
  @Mutation(() => SetPartnerSharingPayload, {
    description:
      "Records a customer's consent to share their data with a partner, or its withdrawal. History is kept (every call adds a record). A withdrawal removes the customer from the partner's view at once: its keys get NOT_FOUND for the customer and for everything that belongs to them, and its feed receives CUSTOMER_SHARING_ENDED.",
  })
  async setPartnerSharing(
    @Arg('input', () => SetPartnerSharingInput, { description: 'The consent.' }) input: SetPartnerSharingInput,
    @Ctx() ctx: Context,
  ): Promise<SetPartnerSharingPayload> {
    const result = await ctx.services.sharing.set(input, ctx.viewer.apiKeyId);
    const customer = await ctx.loaders.customerById.load(result.customerId);
    return { customer: customer!, sharing: result.change, changed: result.changed };
  }
}

@Resolver(() => Customer)
export class CustomerSharingFields {
  @FieldResolver(() => [PartnerSharingChange], {
    nullable: true,
    description: `The customer's consent to share with each partner it was ever recorded for, as last recorded (granted or withdrawn), by partner name. Roles: ${SHARING_READERS.join(', ')}; other roles get null with FORBIDDEN at this path.`,
  })
  async partnerSharing(@Root() customer: Customer, @Ctx() ctx: Context): Promise<PartnerSharingChange[]> {
    if (!SHARING_READERS.includes(ctx.viewer.role)) {
      throw new DomainError(ErrorCode.FORBIDDEN, `Customer.partnerSharing is open to ${SHARING_READERS.join(', ')} only.`);
    }
    return ctx.loaders.partnerSharingByCustomer.load(customer.id);
  }
}
