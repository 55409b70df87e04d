import { Args, Ctx, FieldResolver, ID, Resolver, Root } from 'type-graphql';
import type { Context } from '../context';
import { ConnectionArgs, toConnection } from '../../shared/graphql/connection';
import { toGlobalId } from '../../shared/global-id';
import { toPageRequest } from '../../shared/pagination';
import { Customer } from '../customers/customer.entity';
import { CustomerMerge, DuplicatePair } from './merge.entity';
import { CustomerMergeConnection, DuplicateCandidateConnection } from './merge.resolver';

@Resolver(() => Customer)
export class CustomerMergeFields {
  @FieldResolver(() => DuplicateCandidateConnection, {
    description: 'Live customers that may be the same person as this one, best first (`customer` is this one). Empty for a merged profile.',
  })
  async possibleDuplicates(@Root() customer: Customer, @Args() page: ConnectionArgs, @Ctx() ctx: Context) {
    return toConnection(
      await ctx.loaders.possibleDuplicatesByCustomer(customer.id, toPageRequest(page, 'possibleDuplicates.'), null, 'possibleDuplicates.'),
    );
  }

  @FieldResolver(() => CustomerMergeConnection, {
    description:
      "Merges into this customer, oldest first, undone ones included (`unmergedAt`). Fetching a merged profile's ID answers this customer: its `id` is then the survivor's, and the asked ID is in one of these merges' `mergedIds`.",
  })
  async merges(@Root() customer: Customer, @Args() page: ConnectionArgs, @Ctx() ctx: Context) {
    return toConnection(await ctx.loaders.mergesBySurvivor(customer.id, toPageRequest(page, 'merges.'), null, 'merges.'));
  }
}

@Resolver(() => DuplicatePair)
export class DuplicateCandidateFields {
  @FieldResolver(() => Customer, { description: 'One of the two (in `Query.duplicateCandidates`, the one with the lower ID).' })
  async customer(@Root() pair: DuplicatePair, @Ctx() ctx: Context): Promise<Customer> {
    return (await ctx.loaders.customerById.load(pair.customerId))!;
  }

  @FieldResolver(() => Customer, { description: 'The other one.' })
  async duplicate(@Root() pair: DuplicatePair, @Ctx() ctx: Context): Promise<Customer> {
    return (await ctx.loaders.customerById.load(pair.duplicateId))!;
  }
}

@Resolver(() => CustomerMerge)
export class CustomerMergeObjectFields {
  @FieldResolver(() => Customer, { description: 'The customer the profiles were merged into (as it reads now).' })
  async survivor(@Root() merge: CustomerMerge, @Ctx() ctx: Context): Promise<Customer> {
    return (await ctx.loaders.customerById.load(merge.survivorId))!;
  }

  @FieldResolver(() => [ID], { description: 'The profiles merged into the survivor, in the order given.' })
  async mergedIds(@Root() merge: CustomerMerge, @Ctx() ctx: Context): Promise<string[]> {
    const ids = merge.mergedIdList ?? (await ctx.loaders.customerMergeById.load(merge.id))?.mergedIdList ?? [];
    return ids.map((id) => toGlobalId('Customer', id));
  }
}
