import { ArrayMaxSize, IsOptional, Length, Matches, MaxLength } from 'class-validator';
import { Field, InputType } from 'type-graphql';
import { Channel } from '../touchpoints/touchpoint.enums';

@InputType({ description: 'A new buyer persona.' })
export class CreatePersonaInput {
  @Field({ description: 'Unique name (1–100 characters). A duplicate is CONFLICT.' })
  @Length(1, 100)
  @Matches(/\S/, { message: 'name must not be blank' })
  name!: string;

  @Field({ description: 'Who they are and what problem they are trying to solve (1–2,000 characters, not blank).' })
  @Length(1, 2000)
  @Matches(/\S/, { message: 'description must not be blank' })
  description!: string;

  @Field(() => [String], { defaultValue: [], description: 'What they need most (at most 20 goals of 1–200 characters, none blank).' })
  @ArrayMaxSize(20)
  @MaxLength(200, { each: true })
  @Matches(/\S/, { each: true, message: 'goals must not contain a blank goal' })
  goals!: string[];

  @Field(() => [Channel], { defaultValue: [], description: 'Preferred channels, most preferred first.' })
  @IsOptional()
  @ArrayMaxSize(9)
  preferredChannels!: Channel[];
}
