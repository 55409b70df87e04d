import { Arg, Args, Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { Context } from '../context';
import { ConnectionArgs, ConnectionType, toConnection } from '../../shared/graphql/connection';
import { toPageRequest } from '../../shared/pagination';
import { Product } from '../commerce/product.entity';
import { Customer } from '../customers/customer.entity';
import { Touchpoint } from './touchpoint.entity';
import { TouchpointFilter } from './touchpoint.inputs';
import { touchpointFilterSql } from './touchpoint.service';

export const TouchpointConnection = ConnectionType(Touchpoint, 'Touchpoint', 'touchpoints');

@Resolver(() => Customer)
export class CustomerTouchpointFields {
  @FieldResolver(() => TouchpointConnection, { description: 'Interactions with the customer on every channel, newest first.' })
  async touchpoints(
    @Root() customer: Customer,
    @Args() page: ConnectionArgs,
    @Arg('filter', () => TouchpointFilter, { nullable: true, description: 'Only touchpoints on these channels / with these responses.' })
    filter: TouchpointFilter | null,
    @Ctx() ctx: Context,
  ) {
    return toConnection(
      await ctx.loaders.touchpointsByCustomer(
        customer.id,
        toPageRequest(page, 'touchpoints.'),
        touchpointFilterSql(filter),
        'touchpoints.',
      ),
    );
  }
}

@Resolver(() => Touchpoint)
export class TouchpointFields {
  @FieldResolver(() => Customer, { description: 'The customer it was with.' })
  async customer(@Root() touchpoint: Touchpoint, @Ctx() ctx: Context): Promise<Customer> {
    return (await ctx.loaders.customerById.load(touchpoint.customerId))!;
  }

  @FieldResolver(() => Product, { nullable: true, description: 'The product it offered or was about, if any.' })
  product(@Root() touchpoint: Touchpoint, @Ctx() ctx: Context): Promise<Product | null> | null {
    return touchpoint.productId ? ctx.loaders.productById.load(touchpoint.productId) : null;
  }
}
