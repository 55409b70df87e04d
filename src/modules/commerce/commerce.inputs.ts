import { ArrayMaxSize, ArrayMinSize, IsInt, IsOptional, Length, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { Field, ID, InputType, Int } from 'type-graphql';
import { Money } from '../../shared/graphql/scalars';

/** Most purchases one `recordPurchases` call may carry. */
export const MAX_PURCHASES_PER_BATCH = 1000;

@InputType({ description: 'A new product.' })
export class CreateProductInput {
  @Field({ description: 'Unique stock-keeping unit (1–64 characters: letters, digits, dot, dash, underscore). A duplicate is CONFLICT.' })
  @Matches(/^[A-Za-z0-9._-]{1,64}$/, { message: 'sku must be 1–64 letters, digits, dots, dashes or underscores' })
  sku!: string;

  @Field({ description: 'Display name (1–200 characters).' })
  @Length(1, 200)
  @Matches(/\S/, { message: 'name must not be blank' })
  name!: string;

  @Field({ description: 'Category (1–100 characters), e.g. "Savings" or "Insurance".' })
  @Length(1, 100)
  @Matches(/\S/, { message: 'category must not be blank' })
  category!: string;

  @Field(() => Money, { description: 'List price: zero to 9999999999.99.' })
  price!: string;
}

@InputType({ description: 'One purchase to record.' })
export class PurchaseInput {
  @Field(() => ID, { description: 'The customer who bought.' })
  customerId!: string;

  @Field(() => ID, { nullable: true, description: 'What was bought, if known. A product the customer does not hold yet opens a holding.' })
  @IsOptional()
  productId?: string | null;

  @Field({ description: 'When the purchase happened; not more than a day in the future.' })
  occurredAt!: Date;

  @Field(() => Int, { defaultValue: 1, description: 'Units bought, 1 to 1,000,000 (default 1).' })
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  quantity!: number;

  @Field(() => Money, { description: 'Total amount paid; zero or more.' })
  amount!: string;
}

@InputType({ description: `A batch of up to ${MAX_PURCHASES_PER_BATCH} purchases, recorded all together or not at all.` })
export class RecordPurchasesInput {
  @Field(() => [PurchaseInput], { description: `The purchases (1–${MAX_PURCHASES_PER_BATCH}).` })
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_PURCHASES_PER_BATCH)
  @ValidateNested({ each: true })
  purchases!: PurchaseInput[];
}

@InputType({ description: 'Close a holding: the customer gave the product up.' })
export class CloseHoldingInput {
  @Field(() => ID, { description: 'The holding to close.' })
  holdingId!: string;

  @Field(() => Date, { nullable: true, description: 'When it was given up (default now); not in the future.' })
  @IsOptional()
  closedAt?: Date | null;
}

@InputType({ description: 'Which products to list.' })
export class ProductFilter {
  @Field(() => String, { nullable: true, description: 'Only products in this category (exact match).' })
  @IsOptional()
  @MaxLength(100)
  category?: string | null;
}
