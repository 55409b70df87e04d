import { Field, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { Node } from '../../shared/graphql/node';
import { Personal } from '../auth/policy';
import { Channel, Direction, TouchpointPurpose, TouchpointResponse } from './touchpoint.enums';

@Entity('touchpoint')
@Index(['customerId', 'occurredAt', 'id'])
@ObjectType({ implements: Node, description: 'One interaction with a customer on any channel, and how they responded.' })
export class Touchpoint {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'customer_id', type: 'bigint' })
  customerId!: string;

  @Field(() => Channel, { description: 'Where the interaction happened.' })
  @Column({ type: 'text' })
  channel!: Channel;

  @Field(() => Direction, { description: 'Who started it.' })
  @Column({ type: 'text' })
  direction!: Direction;

  @Field(() => TouchpointPurpose, { description: 'Why: MARKETING (checked against consent and the contact cap when outbound) or SERVICE.' })
  @Column({ type: 'text', default: TouchpointPurpose.MARKETING })
  purpose!: TouchpointPurpose;

  @Field({ description: 'When it happened.' })
  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;

  @Field(() => String, { nullable: true, description: 'Campaign this touchpoint belongs to, if any.' })
  @Column({ type: 'text', nullable: true })
  campaign!: string | null;

  @Index()
  @Column({ name: 'product_id', type: 'bigint', nullable: true })
  productId!: string | null;

  @Field(() => TouchpointResponse, { description: 'How the customer responded.' })
  @Column({ type: 'text' })
  response!: TouchpointResponse;

  @Field(() => String, { nullable: true, description: 'Free-text note by the person who recorded it.' })
  @Personal()
  @Column({ type: 'text', nullable: true })
  note!: string | null;

  /** The row's key in the system it was imported from (unique where set): re-importing the same file adds nothing. */
  @Column({ name: 'source_id', type: 'text', nullable: true })
  sourceId!: string | null;

  @Field({ description: 'When it was recorded in Customer Graph.' })
  @CreateDateColumn({ name: 'recorded_at', type: 'timestamptz' })
  recordedAt!: Date;
}
