import { Field, ObjectType } from 'type-graphql';
import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One grant or withdrawal of a customer's consent to share their data with a
 * partner. Append-only: a change of mind is a new row, never an update. The
 * current state lives in `partner_sharing` (the grants in force), which the
 * read path checks.
 */
@Entity('partner_sharing_change')
@Index(['customerId', 'partner', 'recordedAt', 'id'])
@ObjectType({
  description: "A customer's consent to share their data with one partner, as last recorded: granted or withdrawn, from where, when.",
})
export class PartnerSharingChange {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'customer_id', type: 'bigint' })
  customerId!: string;

  @Field({ description: 'The partner (as named on its PARTNER keys, e.g. `acme-travel`).' })
  @Column({ type: 'text' })
  partner!: string;

  @Field({ description: 'True while the customer agrees to share with this partner; false once withdrawn.' })
  @Column({ type: 'boolean' })
  shared!: boolean;

  @Field({ description: 'Where the consent was given or withdrawn (e.g. "booking form", "support call").' })
  @Column({ type: 'text' })
  source!: string;

  @Field({ description: 'When it was recorded.' })
  @Column({ name: 'recorded_at', type: 'timestamptz' })
  recordedAt!: Date;

  /** The API key that recorded it; null for demo data. */
  @Column({ name: 'recorded_by_key_id', type: 'bigint', nullable: true })
  recordedByKeyId!: string | null;
}
