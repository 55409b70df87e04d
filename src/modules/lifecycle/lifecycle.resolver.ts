import { Arg, Args, Ctx, Field, FieldResolver, Mutation, ObjectType, Resolver, Root } from 'type-graphql';
import type { Context } from '../context';
import { ConnectionArgs, ConnectionType, toConnection } from '../../shared/graphql/connection';
import { toPageRequest } from '../../shared/pagination';
import { Customer } from '../customers/customer.entity';
import { TransitionCustomerStageInput } from './lifecycle.inputs';
import { StageChange } from './stage-change.entity';

export const StageChangeConnection = ConnectionType(StageChange, 'StageChange', 'stage changes');

@ObjectType({ description: 'Result of `transitionCustomerStage`.' })
export class TransitionCustomerStagePayload {
  @Field(() => Customer, { description: 'The customer in their new stage.' })
  customer!: Customer;

  @Field(() => StageChange, { description: 'The history row written for this move.' })
  stageChange!: StageChange;
}

@Resolver()
export class LifecycleResolver {
  @Mutation(() => TransitionCustomerStagePayload, {
    description:
      'Moves a customer to another stage. Only moves in the stage table are allowed; anything else is INVALID_STAGE_TRANSITION, naming the allowed targets. Emits STAGE_CHANGED.',
  })
  async transitionCustomerStage(
    @Arg('input', () => TransitionCustomerStageInput, { description: 'Who moves where, and why.' }) input: TransitionCustomerStageInput,
    @Ctx() ctx: Context,
  ): Promise<TransitionCustomerStagePayload> {
    const { customer, change } = await ctx.services.lifecycle.transition(input);
    return { customer, stageChange: change };
  }
}

@Resolver(() => Customer)
export class CustomerLifecycleFields {
  @FieldResolver(() => StageChangeConnection, { description: 'Every stage the customer has been in, oldest first.' })
  async stageHistory(@Root() customer: Customer, @Args() page: ConnectionArgs, @Ctx() ctx: Context) {
    return toConnection(await ctx.loaders.stageHistoryByCustomer(customer.id, toPageRequest(page, 'stageHistory.'), null, 'stageHistory.'));
  }
}

@Resolver(() => StageChange)
export class StageChangeFields {
  @FieldResolver(() => Customer, { description: 'The customer who moved.' })
  async customer(@Root() change: StageChange, @Ctx() ctx: Context): Promise<Customer> {
    return (await ctx.loaders.customerById.load(change.customerId))!;
  }
}
