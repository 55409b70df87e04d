import { Arg, Args, Ctx, Field, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import type { Context } from '../context';
import { ConnectionArgs, ConnectionType, toConnection } from '../../shared/graphql/connection';
import { toPageRequest } from '../../shared/pagination';
import { andWhereNumbered, pageFromQuery } from '../../db/keyset';
import { toChildFilter } from '../../db/sql-map';
import { CloseHoldingInput, CreateProductInput, ProductFilter, RecordPurchasesInput } from './commerce.inputs';
import { BY_SKU, productListFilter } from './commerce.sql';
import { Holding } from './holding.entity';
import { Product } from './product.entity';
import { Purchase } from './purchase.entity';

export const ProductConnection = ConnectionType(Product, 'Product', 'products');

@ObjectType({ description: 'Result of `createProduct`.' })
export class CreateProductPayload {
  @Field(() => Product, { description: 'The new product.' })
  product!: Product;
}

@ObjectType({ description: 'Result of `recordPurchases`.' })
export class RecordPurchasesPayload {
  @Field(() => [Purchase], { description: 'The recorded purchases, in input order.' })
  purchases!: Purchase[];
}

@ObjectType({ description: 'Result of `closeHolding`.' })
export class CloseHoldingPayload {
  @Field(() => Holding, { description: 'The closed holding.' })
  holding!: Holding;
}

@Resolver()
export class CommerceResolver {
  @Query(() => ProductConnection, { description: 'The product catalogue, by SKU.' })
  async products(
    @Args() page: ConnectionArgs,
    @Arg('filter', () => ProductFilter, { nullable: true, description: 'Conditions every product returned must meet.' })
    filter: ProductFilter | null,
    @Ctx() ctx: Context,
  ) {
    const qb = ctx.ds.manager.getRepository(Product).createQueryBuilder('x');
    // The same condition the read compiler uses (commerce.sql.ts).
    const conditions = toChildFilter(productListFilter, filter as Record<string, unknown> | null);
    if (conditions) andWhereNumbered(qb, conditions.sql, conditions.params, '__f');
    return toConnection(await pageFromQuery(qb, BY_SKU, toPageRequest(page)));
  }

  @Mutation(() => CreateProductPayload, { description: 'Adds a product to the catalogue.' })
  async createProduct(
    @Arg('input', () => CreateProductInput, { description: 'The new product.' }) input: CreateProductInput,
    @Ctx() ctx: Context,
  ): Promise<CreateProductPayload> {
    return { product: await ctx.services.commerce.createProduct(input) };
  }

  @Mutation(() => RecordPurchasesPayload, {
    description:
      'Records up to 1,000 purchases in one transaction: all are kept or none. Opens holdings for products bought, and applies the automatic stage moves FIRST_PURCHASE (IDENTIFIED/ACQUIRED → CONVERTED) and PURCHASE_AFTER_LAPSE (DORMANT/CHURNED → REACTIVATED). Emits PURCHASE_RECORDED per purchase.',
  })
  async recordPurchases(
    @Arg('input', () => RecordPurchasesInput, { description: 'The purchases.' }) input: RecordPurchasesInput,
    @Ctx() ctx: Context,
  ): Promise<RecordPurchasesPayload> {
    return { purchases: await ctx.services.commerce.recordPurchases(input) };
  }

  @Mutation(() => CloseHoldingPayload, {
    description: 'Marks a holding CLOSED: the customer gave the product up (this feeds product-churn risk).',
  })
  async closeHolding(
    @Arg('input', () => CloseHoldingInput, { description: 'The holding to close.' }) input: CloseHoldingInput,
    @Ctx() ctx: Context,
  ): Promise<CloseHoldingPayload> {
    return { holding: await ctx.services.commerce.closeHolding(input) };
  }
}
