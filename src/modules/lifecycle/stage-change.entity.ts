import { Field, ObjectType } from 'type-graphql';
import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { Node } from '../../shared/graphql/node';
import { Personal } from '../auth/policy';
import { LifecycleStage, StageChangeTrigger } from './stages';

@Entity('stage_change')
@Index(['customerId', 'occurredAt', 'id'])
@ObjectType({ implements: Node, description: "One move in a customer's lifecycle-stage history." })
export class StageChange {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'customer_id', type: 'bigint' })
  customerId!: string;

  @Field(() => LifecycleStage, { nullable: true, description: "Stage before the move; null for the customer's first stage." })
  @Column({ name: 'from_stage', type: 'text', nullable: true })
  from!: LifecycleStage | null;

  @Field(() => LifecycleStage, { description: 'Stage after the move.' })
  @Column({ name: 'to_stage', type: 'text' })
  to!: LifecycleStage;

  // Free text typed by a person, like Touchpoint.note: it may name or describe the customer.
  @Field(() => String, { nullable: true, description: 'Why the move was made, in words.' })
  @Personal()
  @Column({ type: 'text', nullable: true })
  reason!: string | null;

  @Field(() => StageChangeTrigger, { description: 'Whether a person asked for the move or an automatic rule made it.' })
  @Column({ type: 'text' })
  trigger!: StageChangeTrigger;

  @Field({ description: 'When the move happened.' })
  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;
}
