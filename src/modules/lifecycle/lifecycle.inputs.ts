import { IsOptional, MaxLength } from 'class-validator';
import { Field, ID, InputType } from 'type-graphql';
import { LifecycleStage } from './stages';

@InputType({ description: 'Move a customer to another lifecycle stage. Only moves in the stage table are allowed (see `LifecycleStage`).' })
export class TransitionCustomerStageInput {
  @Field(() => ID, { description: 'The customer to move.' })
  customerId!: string;

  @Field(() => LifecycleStage, { description: 'The stage to move to.' })
  to!: LifecycleStage;

  @Field(() => String, { nullable: true, description: 'Why (at most 500 characters); kept in the stage history and sent to subscribers.' })
  @IsOptional()
  @MaxLength(500)
  reason?: string | null;
}
