import { Field, Int, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { Node } from '../../shared/graphql/node';
import { Money } from '../../shared/graphql/scalars';

@Entity('purchase')
@Index(['customerId', 'occurredAt', 'id'])
@ObjectType({ implements: Node, description: 'One purchase transaction: the log the churn and value models read.' })
export class Purchase {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'customer_id', type: 'bigint' })
  customerId!: string;

  @Index({ where: 'product_id IS NOT NULL' })
  @Column({ name: 'product_id', type: 'bigint', nullable: true })
  productId!: string | null;

  @Field({ description: 'When the purchase happened.' })
  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;

  @Field(() => Int, { description: 'Number of units bought (at least 1).' })
  @Column({ type: 'integer' })
  quantity!: number;

  @Field(() => Money, { description: 'Total amount paid for this purchase, in the account currency (not per unit).' })
  @Column({ type: 'numeric', precision: 14, scale: 2 })
  amount!: string;

  /** The row's key in the system it was imported from (unique where set): re-importing the same file adds nothing. */
  @Column({ name: 'source_id', type: 'text', nullable: true })
  sourceId!: string | null;

  @Field({ description: 'When the purchase was recorded in Customer Graph.' })
  @CreateDateColumn({ name: 'recorded_at', type: 'timestamptz' })
  recordedAt!: Date;
}
