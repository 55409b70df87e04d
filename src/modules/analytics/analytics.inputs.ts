import { IsOptional } from 'class-validator';
import { Field, ID, InputType } from 'type-graphql';
import { LifecycleStage } from '../lifecycle/stages';
import { ChurnModelTimeUnit, ValueTier } from './analytics.enums';

@InputType({ description: 'What to fit the churn models on.' })
export class FitChurnModelInput {
  @Field(() => Date, {
    nullable: true,
    description:
      'Last day of the calibration period: the models learn from purchases up to the end of this UTC day. Default today; may not be in the future. Scores always use all purchases to date.',
  })
  @IsOptional()
  calibrationEnd?: Date | null;

  @Field(() => ChurnModelTimeUnit, {
    nullable: true,
    description: 'Time unit of the fitted parameters (default WEEKS). Predictions do not depend on it.',
  })
  @IsOptional()
  timeUnit?: ChurnModelTimeUnit | null;
}

@InputType({ description: 'Which reactivation candidates to list. All conditions must hold.' })
export class ReactivationFilter {
  @Field(() => [LifecycleStage], { nullable: true, description: 'Only customers in one of these stages.' })
  @IsOptional()
  stageIn?: LifecycleStage[] | null;

  @Field(() => [ValueTier], { nullable: true, description: 'Only customers in one of these value tiers.' })
  @IsOptional()
  valueTierIn?: ValueTier[] | null;

  @Field(() => ID, { nullable: true, description: 'Only customers matched to this persona.' })
  @IsOptional()
  personaId?: string | null;
}
