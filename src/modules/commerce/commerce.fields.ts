import { Args, Ctx, FieldResolver, Int, Resolver, Root } from 'type-graphql';
import type { Context } from '../context';
import { ConnectionArgs, ConnectionType, toConnection } from '../../shared/graphql/connection';
import { toPageRequest } from '../../shared/pagination';
import { Money } from '../../shared/graphql/scalars';
import { Customer } from '../customers/customer.entity';
import { Holding } from './holding.entity';
import { Product } from './product.entity';
import { Purchase } from './purchase.entity';

export const HoldingConnection = ConnectionType(Holding, 'Holding', 'holdings');
export const PurchaseConnection = ConnectionType(Purchase, 'Purchase', 'purchases');

@Resolver(() => Customer)
export class CustomerCommerceFields {
  @FieldResolver(() => HoldingConnection, { description: 'Products the customer holds or held, oldest first.' })
  async holdings(@Root() customer: Customer, @Args() page: ConnectionArgs, @Ctx() ctx: Context) {
    return toConnection(await ctx.loaders.holdingsByCustomer(customer.id, toPageRequest(page, 'holdings.'), null, 'holdings.'));
  }

  @FieldResolver(() => PurchaseConnection, { description: "The customer's purchases, newest first." })
  async purchases(@Root() customer: Customer, @Args() page: ConnectionArgs, @Ctx() ctx: Context) {
    return toConnection(await ctx.loaders.purchasesByCustomer(customer.id, toPageRequest(page, 'purchases.'), null, 'purchases.'));
  }
}

@Resolver(() => Holding)
export class HoldingFields {
  @FieldResolver(() => Customer, { description: 'The customer who holds it.' })
  async customer(@Root() holding: Holding, @Ctx() ctx: Context): Promise<Customer> {
    return (await ctx.loaders.customerById.load(holding.customerId))!;
  }

  @FieldResolver(() => Product, { description: 'The product held.' })
  async product(@Root() holding: Holding, @Ctx() ctx: Context): Promise<Product> {
    return (await ctx.loaders.productById.load(holding.productId))!;
  }

  @FieldResolver(() => Money, { description: 'Everything the customer has spent on this product.' })
  async totalSpend(@Root() holding: Holding, @Ctx() ctx: Context): Promise<string> {
    return (await ctx.loaders.holdingSpend.load({ customerId: holding.customerId, productId: holding.productId })).total;
  }

  @FieldResolver(() => Int, { description: 'How many purchases of this product the customer made.' })
  async purchaseCount(@Root() holding: Holding, @Ctx() ctx: Context): Promise<number> {
    return (await ctx.loaders.holdingSpend.load({ customerId: holding.customerId, productId: holding.productId })).count;
  }
}

@Resolver(() => Purchase)
export class PurchaseFields {
  @FieldResolver(() => Customer, { description: 'Who bought.' })
  async customer(@Root() purchase: Purchase, @Ctx() ctx: Context): Promise<Customer> {
    return (await ctx.loaders.customerById.load(purchase.customerId))!;
  }

  @FieldResolver(() => Product, { nullable: true, description: 'What was bought; null when the purchase was recorded without a product.' })
  product(@Root() purchase: Purchase, @Ctx() ctx: Context): Promise<Product | null> | null {
    return purchase.productId ? ctx.loaders.productById.load(purchase.productId) : null;
  }
}
