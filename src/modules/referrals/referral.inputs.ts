import { Field, ID, InputType } from 'type-graphql';
import { Channel } from '../touchpoints/touchpoint.enums';

@InputType({ description: 'Record that one customer referred another.' })
export class CreateReferralInput {
  @Field(() => ID, { description: 'The customer who made the recommendation.' })
  referrerId!: string;

  @Field(() => ID, {
    description:
      'The customer who was referred. A customer can be referred only once (a second referral is CONFLICT), and never by someone they brought in themselves (a loop is CONFLICT).',
  })
  referredId!: string;

  @Field(() => Channel, { description: 'Channel the referral came through.' })
  sourceChannel!: Channel;
}
