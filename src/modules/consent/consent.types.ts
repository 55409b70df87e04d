/** GraphQL object types of consent: plain classes the service and the read compiler fill. */
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Channel } from '../touchpoints/touchpoint.enums';
import { ConsentStatus, ContactExclusionReason } from './consent.enums';

@ObjectType({ description: 'One channel set to a status by a consent record.' })
export class ConsentChange {
  @Field(() => Channel, { description: 'The channel.' })
  channel!: Channel;

  @Field(() => ConsentStatus, { description: 'Its new status.' })
  status!: ConsentStatus;
}

@ObjectType({ description: "The customer's current consent on one channel, and who recorded it when." })
export class ChannelConsent {
  @Field(() => Channel, { description: 'The channel.' })
  channel!: Channel;

  @Field(() => ConsentStatus, { description: 'Current status; UNKNOWN until something is recorded.' })
  status!: ConsentStatus;

  @Field(() => String, {
    nullable: true,
    description: 'Where the current status came from (e.g. "web form", "call centre"); null when never recorded.',
  })
  source!: string | null;

  @Field(() => Date, { nullable: true, description: 'When the current status was recorded; null when never recorded.' })
  recordedAt!: Date | null;

  @Field(() => ID, { nullable: true, description: 'Global ID of the API key that recorded the current status; null when never recorded.' })
  recordedByApiKeyId!: string | null;
}

@ObjectType({ description: 'Whether marketing may reach the customer now, on which channel, or why not.' })
export class Contactability {
  @Field({ description: 'True when there is a channel to use and the customer is under their contact cap.' })
  reachable!: boolean;

  @Field(() => Channel, {
    nullable: true,
    description:
      'The channel to use: the preferred one if opted in, else the opted-in channel with the most positive responses, else a reachable UNKNOWN channel (see `ConsentStatus.UNKNOWN`). Null when not reachable.',
  })
  recommendedChannel!: Channel | null;

  @Field(() => ContactExclusionReason, { nullable: true, description: 'Why the customer is left out; null when reachable.' })
  reason!: ContactExclusionReason | null;
}

@ObjectType({ description: "The customer's communication preferences now: consent per channel, preferred channel and contact cap." })
export class CommunicationPreferences {
  customerId!: string;

  @Field(() => [ChannelConsent], { description: 'Every channel, in the order of the `Channel` enum.' })
  channels!: ChannelConsent[];

  @Field(() => Channel, { nullable: true, description: 'The channel the customer prefers; null when not given.' })
  preferredChannel!: Channel | null;

  @Field(() => Int, { description: 'Outbound marketing touchpoints allowed in any rolling 30 days: their own cap, else the default.' })
  contactCap!: number;

  @Field(() => Int, {
    nullable: true,
    description: 'The cap the customer asked for; null when the default (CONTACT_CAP_PER_30_DAYS) applies.',
  })
  ownContactCap!: number | null;

  @Field(() => Int, { description: 'Outbound MARKETING touchpoints in the last 30 days (what counts against the cap).' })
  outboundMarketingLast30Days!: number;

  @Field(() => Date, { nullable: true, description: 'When the preferences last changed; null when nothing was ever recorded.' })
  updatedAt!: Date | null;

  @Field(() => Contactability, {
    description: 'Whether and how marketing may reach the customer now (the rule cross-sell and reactivation lists apply).',
  })
  contactability!: Contactability;
}
