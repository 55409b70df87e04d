import { Arg, Args, Ctx, Field, ID, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import type { Context } from '../context';
import { fromGlobalId } from '../../shared/global-id';
import { ConnectionArgs, ConnectionType, toConnection } from '../../shared/graphql/connection';
import { toPageRequest } from '../../shared/pagination';
import { Customer } from './customer.entity';
import { CreateCustomerInput, CustomerFilter, CustomerOrder, UpdateCustomerInput } from './customer.inputs';

export const CustomerConnection = ConnectionType(Customer, 'Customer', 'customers');

@ObjectType({ description: 'Result of `createCustomer`.' })
export class CreateCustomerPayload {
  @Field(() => Customer, { description: 'The new customer.' })
  customer!: Customer;
}

@ObjectType({ description: 'Result of `updateCustomer`.' })
export class UpdateCustomerPayload {
  @Field(() => Customer, { description: 'The customer after the change.' })
  customer!: Customer;
}

@Resolver(() => Customer)
export class CustomerResolver {
  @Query(() => Customer, { nullable: true, description: 'One customer by ID; null if there is none.' })
  async customer(
    @Arg('id', () => ID, { description: "The customer's global ID." }) id: string,
    @Ctx() ctx: Context,
  ): Promise<Customer | null> {
    const customerId = fromGlobalId(id, 'Customer', 'id');
    // Outside a partner's scope the customer does not exist for its keys.
    if (ctx.partnerScope && !(await ctx.partnerScope.sees([customerId]))) return null;
    return ctx.loaders.customerById.load(customerId);
  }

  @Query(() => CustomerConnection, { description: 'Customers, filtered and ordered, a page at a time.' })
  async customers(
    @Args() page: ConnectionArgs,
    @Arg('filter', () => CustomerFilter, { nullable: true, description: 'Conditions every customer returned must meet.' })
    filter: CustomerFilter | null,
    @Arg('orderBy', () => CustomerOrder, {
      defaultValue: CustomerOrder.CREATED_AT_DESC,
      description: 'Order of the list (default newest first).',
    })
    orderBy: CustomerOrder,
    @Ctx() ctx: Context,
  ) {
    const scope = ctx.partnerScope?.childFilter('id') ?? null;
    return toConnection(await ctx.services.customers.list(ctx.ds.manager, filter, orderBy, toPageRequest(page), scope));
  }

  @Mutation(() => CreateCustomerPayload, { description: 'Creates a customer and starts their stage history. Emits CUSTOMER_CREATED.' })
  async createCustomer(
    @Arg('input', () => CreateCustomerInput, { description: 'The new customer.' }) input: CreateCustomerInput,
    @Ctx() ctx: Context,
  ): Promise<CreateCustomerPayload> {
    return { customer: await ctx.services.customers.create(input) };
  }

  @Mutation(() => UpdateCustomerPayload, { description: "Changes a customer's profile. Emits CUSTOMER_UPDATED when anything changed." })
  async updateCustomer(
    @Arg('input', () => UpdateCustomerInput, { description: 'What to change.' }) input: UpdateCustomerInput,
    @Ctx() ctx: Context,
  ): Promise<UpdateCustomerPayload> {
    return { customer: await ctx.services.customers.update(input) };
  }
}
