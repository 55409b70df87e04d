import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** What was done to a customer's data. */
export enum PrivacyAction {
  EXPORT = 'EXPORT',
  ERASE = 'ERASE',
}

registerEnumType(PrivacyAction, {
  name: 'PrivacyAction',
  description: "A data-protection action on one customer's data.",
  valuesConfig: {
    EXPORT: { description: 'Everything held about the customer was exported (`exportCustomerData`, `npm run privacy -- export`).' },
    ERASE: { description: 'The customer was erased (`eraseCustomer`, `npm run privacy -- erase`).' },
  },
});

/**
 * One entry of the privacy audit log: who exported or erased whose data,
 * when and why. Written in the same transaction as the action, never changed
 * or deleted; it holds the customer's id only, never their personal data.
 */
@Entity('privacy_audit')
@ObjectType({
  description:
    "One data-protection action: who exported or erased a customer's data, when and why. Written in the same transaction as the action; never changed.",
})
export class PrivacyAuditEntry {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Field(() => PrivacyAction, { description: 'What was done.' })
  @Column({ type: 'text' })
  action!: PrivacyAction;

  @Column({ name: 'customer_id', type: 'bigint' })
  customerId!: string;

  @Column({ name: 'api_key_id', type: 'bigint', nullable: true })
  apiKeyId!: string | null;

  @Field({
    description:
      'Who did it: the API key (prefix and label, as they were at the time), or `cli:<user>` for `npm run privacy` on the server.',
  })
  @Column({ type: 'text' })
  actor!: string;

  @Field(() => String, { nullable: true, description: "The key's role at the time; null for the command line." })
  @Column({ name: 'actor_role', type: 'text', nullable: true })
  actorRole!: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'Why, as given with the request (required for an erasure). Never holds the personal data of the customer it is about.',
  })
  @Column({ type: 'text', nullable: true })
  reason!: string | null;

  @Field(() => GraphQLJSONObject, {
    description: 'Facts about the action: for an export, the number of entries in each section of the document.',
  })
  @Column({ type: 'jsonb' })
  detail!: Record<string, unknown>;

  @Field({ description: 'When it was done.' })
  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;
}
