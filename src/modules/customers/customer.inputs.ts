import { IsEmail, IsOptional, Length, Matches, MaxLength } from 'class-validator';
import { Field, ID, InputType, registerEnumType } from 'type-graphql';
import { SearchesPersonalData } from '../auth/policy';
import { LifecycleStage } from '../lifecycle/stages';

const PHONE = /^\+?[0-9][0-9 ()\-.]{3,28}[0-9]$/;
const NOT_BLANK = /\S/;

@InputType({ description: 'A new customer or prospect.' })
export class CreateCustomerInput {
  @Field({ description: 'Full name (1–200 characters).' })
  @Length(1, 200)
  @Matches(NOT_BLANK, { message: 'name must not be blank' })
  name!: string;

  @Field(() => String, { nullable: true, description: 'Email address; must be a valid address if given.' })
  @IsOptional()
  @IsEmail({}, { message: 'email must be a valid email address' })
  @MaxLength(254)
  email?: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'Phone number: digits, spaces, dashes, dots and brackets, optionally starting with +.',
  })
  @IsOptional()
  @Matches(PHONE, { message: 'phone must be a phone number such as +1 555 010 2030' })
  phone?: string | null;

  @Field(() => String, { nullable: true, description: 'Key in the system of record; must be unique (a duplicate is CONFLICT).' })
  @IsOptional()
  @Length(1, 100)
  externalId?: string | null;

  @Field(() => ID, { nullable: true, description: 'Persona to match the customer to.' })
  @IsOptional()
  personaId?: string | null;

  @Field(() => LifecycleStage, {
    nullable: true,
    description: 'Starting stage (default IDENTIFIED). Any stage may start a history, e.g. when importing existing customers.',
  })
  @IsOptional()
  stage?: LifecycleStage | null;

  @Field(() => String, { nullable: true, description: 'Why the customer starts in this stage; kept in the stage history.' })
  @IsOptional()
  @MaxLength(500)
  reason?: string | null;
}

@InputType({
  description:
    "Changes to a customer's profile. Omitted fields stay as they are; `null` clears an optional field. The stage changes only through `transitionCustomerStage`.",
})
export class UpdateCustomerInput {
  @Field(() => ID, { description: 'The customer to change.' })
  id!: string;

  @Field(() => String, { nullable: true, description: 'New full name (1–200 characters). Cannot be cleared.' })
  @IsOptional()
  @Length(1, 200)
  @Matches(NOT_BLANK, { message: 'name must not be blank' })
  name?: string | null;

  @Field(() => String, { nullable: true, description: 'New email address, or null to clear it.' })
  @IsOptional()
  @IsEmail({}, { message: 'email must be a valid email address' })
  @MaxLength(254)
  email?: string | null;

  @Field(() => String, { nullable: true, description: 'New phone number, or null to clear it.' })
  @IsOptional()
  @Matches(PHONE, { message: 'phone must be a phone number such as +1 555 010 2030' })
  phone?: string | null;

  @Field(() => String, { nullable: true, description: 'New external id (unique), or null to clear it.' })
  @IsOptional()
  @Length(1, 100)
  externalId?: string | null;

  @Field(() => ID, { nullable: true, description: 'New persona, or null to unassign.' })
  @IsOptional()
  personaId?: string | null;
}

@InputType({ description: 'Which customers to list. All conditions must hold.' })
export class CustomerFilter {
  @Field(() => [LifecycleStage], { nullable: true, description: 'Only customers in one of these stages.' })
  @IsOptional()
  stageIn?: LifecycleStage[] | null;

  @Field(() => ID, { nullable: true, description: 'Only customers matched to this persona.' })
  @IsOptional()
  personaId?: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'Case-insensitive text that the name or email must contain (at most 100 characters).',
  })
  @SearchesPersonalData()
  @IsOptional()
  @MaxLength(100)
  search?: string | null;

  @Field(() => Date, { nullable: true, description: 'Only customers created at or after this instant.' })
  @IsOptional()
  createdFrom?: Date | null;

  @Field(() => Date, { nullable: true, description: 'Only customers created before this instant.' })
  @IsOptional()
  createdTo?: Date | null;

  @Field(() => ID, { nullable: true, description: 'Only customers who hold this product now (an ACTIVE holding).' })
  @IsOptional()
  hasProductId?: string | null;
}

export enum CustomerOrder {
  CREATED_AT_ASC = 'CREATED_AT_ASC',
  CREATED_AT_DESC = 'CREATED_AT_DESC',
  NAME_ASC = 'NAME_ASC',
  NAME_DESC = 'NAME_DESC',
  LAST_PURCHASE_AT_ASC = 'LAST_PURCHASE_AT_ASC',
  LAST_PURCHASE_AT_DESC = 'LAST_PURCHASE_AT_DESC',
}
registerEnumType(CustomerOrder, {
  name: 'CustomerOrder',
  description: 'Orderings for customer lists. Ties are broken by id, so paging never skips or repeats.',
  valuesConfig: {
    CREATED_AT_ASC: { description: 'Oldest customers first.' },
    CREATED_AT_DESC: { description: 'Newest customers first (the default).' },
    NAME_ASC: { description: 'By name, A to Z.' },
    NAME_DESC: { description: 'By name, Z to A.' },
    LAST_PURCHASE_AT_ASC: { description: 'Longest since last purchase first; customers who never bought come first of all.' },
    LAST_PURCHASE_AT_DESC: { description: 'Most recent buyers first; customers who never bought come last.' },
  },
});
