import { Length, Matches } from 'class-validator';
import { Field, ID, InputType } from 'type-graphql';
import { MAX_REASON_LENGTH } from './privacy.service';

@InputType({ description: 'Which customer to erase, and why.' })
export class EraseCustomerInput {
  @Field(() => ID, { description: 'The customer to erase.' })
  customerId!: string;

  @Field({
    description: `Why (1–${MAX_REASON_LENGTH} characters), e.g. "Erasure request by the data subject, ticket 4711". Kept in the audit log after the erasure, so it must not contain the customer's name, email, phone or external id (BAD_USER_INPUT otherwise).`,
  })
  @Length(1, MAX_REASON_LENGTH)
  @Matches(/\S/, { message: 'reason must not be blank' })
  reason!: string;
}
