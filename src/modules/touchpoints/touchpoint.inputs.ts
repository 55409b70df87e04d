import { IsOptional, MaxLength } from 'class-validator';
import { Field, ID, InputType } from 'type-graphql';
import { Channel, Direction, TouchpointPurpose, TouchpointResponse } from './touchpoint.enums';

@InputType({ description: 'An interaction to record.' })
export class RecordTouchpointInput {
  @Field(() => ID, { description: 'The customer it was with.' })
  customerId!: string;

  @Field(() => Channel, { description: 'Where it happened.' })
  channel!: Channel;

  @Field(() => Direction, { defaultValue: Direction.OUTBOUND, description: 'Who started it (default OUTBOUND).' })
  direction!: Direction;

  @Field(() => TouchpointPurpose, {
    nullable: true,
    description:
      "Why it happened; default MARKETING for OUTBOUND, SERVICE for INBOUND. An OUTBOUND MARKETING touchpoint is refused with CONSENT_REQUIRED on a channel the customer opted out of, and with CONTACT_CAP_REACHED when it falls in the last 30 days and the customer already had their contact cap there. Mark a reply to the customer's own contact (their call, mail or complaint) as SERVICE: it is always allowed and not counted.",
  })
  @IsOptional()
  purpose?: TouchpointPurpose | null;

  @Field({ description: 'When it happened; not more than a day in the future.' })
  occurredAt!: Date;

  @Field(() => TouchpointResponse, { description: 'How the customer responded.' })
  response!: TouchpointResponse;

  @Field(() => String, { nullable: true, description: 'Campaign name (at most 200 characters).' })
  @IsOptional()
  @MaxLength(200)
  campaign?: string | null;

  @Field(() => ID, {
    nullable: true,
    description: 'Product the touchpoint offered or was about, if any (a NEGATIVE response stops cross-selling it for a while).',
  })
  @IsOptional()
  productId?: string | null;

  @Field(() => String, { nullable: true, description: 'Free-text note (at most 2,000 characters).' })
  @IsOptional()
  @MaxLength(2000)
  note?: string | null;
}

@InputType({ description: 'Which touchpoints to list.' })
export class TouchpointFilter {
  @Field(() => [Channel], { nullable: true, description: 'Only these channels.' })
  @IsOptional()
  channelIn?: Channel[] | null;

  @Field(() => [TouchpointResponse], { nullable: true, description: 'Only these responses.' })
  @IsOptional()
  responseIn?: TouchpointResponse[] | null;
}
