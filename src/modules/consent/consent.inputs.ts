import { ArrayMaxSize, IsInt, IsOptional, Length, Matches, Max, Min, ValidateNested } from 'class-validator';
import { Field, ID, InputType, Int } from 'type-graphql';
import { Channel } from '../touchpoints/touchpoint.enums';
import { ConsentStatus } from './consent.enums';
import { MAX_CONTACT_CAP } from './contact-cap';

@InputType({ description: 'A channel and the status to record for it.' })
export class ChannelConsentInput {
  @Field(() => Channel, { description: 'The channel.' })
  channel!: Channel;

  @Field(() => ConsentStatus, { description: 'The new status.' })
  status!: ConsentStatus;
}

@InputType({
  description:
    'A change of consent or preferences. Give at least one of `channels`, `preferredChannel`, `contactCap`; what is left out stays as it is.',
})
export class SetCommunicationPreferencesInput {
  @Field(() => ID, { description: 'The customer.' })
  customerId!: string;

  @Field(() => [ChannelConsentInput], {
    nullable: true,
    description: `Channels to set, each at most once (up to ${Object.keys(Channel).length}). Channels not named keep their status.`,
  })
  @IsOptional()
  @ArrayMaxSize(Object.keys(Channel).length)
  @ValidateNested({ each: true })
  channels?: ChannelConsentInput[] | null;

  @Field(() => Channel, {
    nullable: true,
    description: 'The channel the customer prefers; null clears it; leave it out to keep it. Must not be OPTED_OUT.',
  })
  preferredChannel?: Channel | null;

  @Field(() => Int, {
    nullable: true,
    description: `The customer's own cap on outbound marketing touchpoints per rolling 30 days (0–${MAX_CONTACT_CAP}); null returns to the default (CONTACT_CAP_PER_30_DAYS); leave it out to keep it.`,
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_CONTACT_CAP)
  contactCap?: number | null;

  @Field({ description: 'Where the change comes from, e.g. "preference centre", "unsubscribe link", "call centre" (1–200 characters).' })
  @Length(1, 200)
  @Matches(/\S/, { message: 'source must not be blank' })
  source!: string;
}
