import { Length, Matches } from 'class-validator';
import { Field, ID, InputType } from 'type-graphql';
import { PARTNER_NAME_PATTERN } from '../auth/api-key.service';

@InputType({ description: "A customer's consent, given or withdrawn, to share their data with one partner." })
export class SetPartnerSharingInput {
  @Field(() => ID, { description: 'The customer.' })
  customerId!: string;

  @Field({ description: 'The partner, as named on its PARTNER keys: lower-case letters, digits and dashes (e.g. `acme-travel`).' })
  @Matches(PARTNER_NAME_PATTERN, {
    message: 'partner must be lower-case letters, digits and dashes, 2–64 characters, starting with a letter',
  })
  partner!: string;

  @Field({ description: 'True: the customer agrees to share with the partner. False: the customer withdraws that consent.' })
  share!: boolean;

  @Field({ description: 'Where the customer said so (1–200 characters), e.g. "booking form" or "support call".' })
  @Length(1, 200)
  @Matches(/\S/, { message: 'source must not be blank' })
  source!: string;
}
