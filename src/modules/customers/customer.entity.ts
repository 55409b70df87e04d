import { Field, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { Node } from '../../shared/graphql/node';
import { Personal } from '../auth/policy';
import { LifecycleStage } from '../lifecycle/stages';

@Entity('customer')
@ObjectType({
  implements: Node,
  description:
    'A customer (or prospect) and their whole journey with us: profile, persona, lifecycle stage and history, products held, purchases, touchpoints, referrals and insight scores.',
})
export class Customer {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Field(() => String, {
    nullable: true,
    description:
      "The customer's key in the system of record (CRM, shop), unique when set. It points at one person, so it counts as personal data.",
  })
  @Personal()
  @Column({ name: 'external_id', type: 'text', nullable: true, unique: true })
  externalId!: string | null;

  // Nullable so a viewer without pii:read gets null here (with FORBIDDEN) instead of losing the whole customer,
  // and for erased customers. An erased row stores '' (sort keys are never NULL; see keyset.ts), read as null.
  @Field(() => String, { nullable: true, description: 'Full name; null only when the customer was erased (see `erasedAt`).' })
  @Personal()
  @Column({ type: 'text', transformer: { from: (v: string | null) => (v === '' ? null : v), to: (v: string | null) => v ?? '' } })
  name!: string | null;

  @Field(() => String, { nullable: true, description: 'Email address.' })
  @Personal()
  @Column({ type: 'text', nullable: true })
  email!: string | null;

  @Field(() => String, { nullable: true, description: 'Phone number, as given.' })
  @Personal()
  @Column({ type: 'text', nullable: true })
  phone!: string | null;

  @Index()
  @Column({ name: 'persona_id', type: 'bigint', nullable: true })
  personaId!: string | null;

  @Field(() => LifecycleStage, { description: 'Current lifecycle stage. Changes only through the stage table (see `LifecycleStage`).' })
  @Column({ type: 'text' })
  stage!: LifecycleStage;

  @Field({ description: 'When the customer entered the current stage.' })
  @Column({ name: 'stage_entered_at', type: 'timestamptz' })
  stageEnteredAt!: Date;

  @Field(() => Date, { nullable: true, description: 'When the customer last bought anything; null if never.' })
  @Column({ name: 'last_purchase_at', type: 'timestamptz', nullable: true })
  lastPurchaseAt!: Date | null;

  /** Set when this profile was merged into another (a tombstone): the survivor's id. Reads of this id answer the survivor. */
  @Column({ name: 'merged_into', type: 'bigint', nullable: true })
  mergedInto!: string | null;

  /** The merge that made this profile a tombstone. */
  @Column({ name: 'merge_id', type: 'bigint', nullable: true })
  mergeId!: string | null;

  @Field({ description: 'When the customer record was created.' })
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Field({ description: 'When the customer record was last changed.' })
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @Field(() => Date, {
    nullable: true,
    description:
      'When the customer was erased (right to erasure, `eraseCustomer`); null for everyone else. An erased customer keeps its ID and non-personal history (purchases, holdings, touchpoints without notes, stage history without reasons) so models and aggregates do not change, but every personal field (`name`, `email`, `phone`, `externalId`) is null for good, and mutations on it fail with CUSTOMER_ERASED.',
  })
  @Column({ name: 'erased_at', type: 'timestamptz', nullable: true })
  erasedAt!: Date | null;
}
