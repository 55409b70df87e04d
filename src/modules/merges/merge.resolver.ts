import { Arg, Args, Ctx, Field, Float, ID, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import type { Context } from '../context';
import { ConnectionArgs, ConnectionType, toConnection } from '../../shared/graphql/connection';
import { toPageRequest } from '../../shared/pagination';
import { Customer } from '../customers/customer.entity';
import { CustomerMerge, DuplicatePair } from './merge.entity';
import { MergeCustomersInput } from './merge.inputs';

export const DuplicateCandidateConnection = ConnectionType(DuplicatePair, 'DuplicateCandidate', 'duplicate candidates');
export const CustomerMergeConnection = ConnectionType(CustomerMerge, 'CustomerMerge', 'merges');

@ObjectType({ description: 'Result of `mergeCustomers`.' })
export class MergeCustomersPayload {
  @Field(() => CustomerMerge, { description: 'The merge; its ID undoes it with `unmergeCustomers`.' })
  merge!: CustomerMerge;

  @Field(() => Customer, { description: 'The survivor after the merge.' })
  survivor!: Customer;
}

@ObjectType({ description: 'Result of `unmergeCustomers`.' })
export class UnmergeCustomersPayload {
  @Field(() => CustomerMerge, { description: 'The merge, now with `unmergedAt` set.' })
  merge!: CustomerMerge;

  @Field(() => [Customer], { description: 'The former survivor, then the restored profiles, in the order they were merged.' })
  customers!: Customer[];
}

@Resolver()
export class MergeResolver {
  @Query(() => DuplicateCandidateConnection, {
    description:
      'Pairs of live customers that may be one person, best first (each pair once, the lower ID as `customer`). Kept up to date on every write; see docs/merge.md for the matching rules and the score.',
  })
  async duplicateCandidates(
    @Args() page: ConnectionArgs,
    @Arg('minScore', () => Float, {
      defaultValue: 0,
      description: 'Only pairs scoring at least this much (0 to 1; default 0, every pair).',
    })
    minScore: number,
    @Ctx() ctx: Context,
  ) {
    return toConnection(await ctx.services.duplicates.list(ctx.ds.manager, minScore, toPageRequest(page)));
  }

  @Mutation(() => MergeCustomersPayload, {
    description:
      'Merges profiles of one person into a survivor, in one transaction: holdings, purchases, touchpoints, referrals and stage history move to it, it keeps the values `keep` chooses, and its scores are refreshed. The merged profiles stay as tombstones whose IDs answer the survivor. Emits CUSTOMER_MERGED on the survivor. Refused with CUSTOMER_MERGED when a customer named was already merged, NOT_FOUND for unknown IDs, BAD_USER_INPUT for repeats or the survivor among `mergedIds`.',
  })
  async mergeCustomers(
    @Arg('input', () => MergeCustomersInput, { description: 'Who survives, who is merged, and whose values are kept.' })
    input: MergeCustomersInput,
    @Ctx() ctx: Context,
  ): Promise<MergeCustomersPayload> {
    return ctx.services.merges.merge(input, ctx.viewer.keyPrefix ?? null);
  }

  @Mutation(() => UnmergeCustomersPayload, {
    description:
      'Undoes a merge: every row it moved goes back, dropped rows come back, the merged profiles are customers again and the survivor gets its own profile back (rows added to the survivor since stay with it; see docs/merge.md). Emits CUSTOMER_UNMERGED. A merge is undone at most once (ALREADY_UNMERGED); a survivor merged again since must be unmerged from that later merge first (CUSTOMER_MERGED).',
  })
  async unmergeCustomers(
    @Arg('mergeId', () => ID, { description: 'The merge to undo (`CustomerMerge.id`).' }) mergeId: string,
    @Ctx() ctx: Context,
  ): Promise<UnmergeCustomersPayload> {
    return ctx.services.merges.unmerge(mergeId, ctx.viewer.keyPrefix ?? null);
  }
}
