import { ArrayMaxSize, ArrayMinSize, IsOptional } from 'class-validator';
import { Field, ID, InputType } from 'type-graphql';

/** Most profiles one merge folds into a survivor. */
export const MAX_MERGED = 20;

@InputType({
  description:
    "Whose value the survivor keeps, per field: the ID of one of the customers in the merge (the survivor or a merged profile). An omitted field keeps the survivor's value, or, when the survivor has none, the first merged profile's (in `mergedIds` order) that has one.",
})
export class MergeKeepInput {
  @Field(() => ID, { nullable: true, description: 'The customer whose name survives.' })
  @IsOptional()
  name?: string | null;

  @Field(() => ID, { nullable: true, description: 'The customer whose email survives.' })
  @IsOptional()
  email?: string | null;

  @Field(() => ID, { nullable: true, description: 'The customer whose phone number survives.' })
  @IsOptional()
  phone?: string | null;

  @Field(() => ID, {
    nullable: true,
    description: 'The customer whose external id survives (the others are cleared: external ids stay unique).',
  })
  @IsOptional()
  externalId?: string | null;

  @Field(() => ID, { nullable: true, description: 'The customer whose persona survives.' })
  @IsOptional()
  persona?: string | null;
}

@InputType({ description: 'Profiles of one person to fold into one survivor.' })
export class MergeCustomersInput {
  @Field(() => ID, { description: 'The customer that remains; everything of the merged profiles moves to it.' })
  survivorId!: string;

  @Field(() => [ID], { description: `The profiles to merge into the survivor (1 to ${MAX_MERGED}, no repeats, not the survivor).` })
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_MERGED)
  mergedIds!: string[];

  @Field(() => MergeKeepInput, { nullable: true, description: "Whose personal values survive; omitted: the survivor's." })
  @IsOptional()
  keep?: MergeKeepInput | null;
}
