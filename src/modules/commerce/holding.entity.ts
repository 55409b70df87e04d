import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { Column, Entity, Index, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { Node } from '../../shared/graphql/node';

export enum HoldingStatus {
  ACTIVE = 'ACTIVE',
  CLOSED = 'CLOSED',
}
registerEnumType(HoldingStatus, {
  name: 'HoldingStatus',
  description: 'Whether the customer still holds the product.',
  valuesConfig: {
    ACTIVE: { description: 'The customer holds the product now.' },
    CLOSED: { description: 'The customer gave the product up (cancelled, closed, lapsed).' },
  },
});

@Entity('holding')
@Unique(['customerId', 'productId'])
@ObjectType({
  implements: Node,
  description: 'A product a customer owns or owned. Recording a purchase of a product the customer does not hold opens a holding.',
})
export class Holding {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'customer_id', type: 'bigint' })
  customerId!: string;

  @Index()
  @Column({ name: 'product_id', type: 'bigint' })
  productId!: string;

  @Field({ description: 'When the customer started holding the product.' })
  @Column({ type: 'timestamptz' })
  since!: Date;

  @Field(() => HoldingStatus, { description: 'ACTIVE while held, CLOSED once given up.' })
  @Column({ type: 'text' })
  status!: HoldingStatus;

  @Field(() => Date, { nullable: true, description: 'When the holding was closed; null while ACTIVE.' })
  @Column({ name: 'closed_at', type: 'timestamptz', nullable: true })
  closedAt!: Date | null;
}
