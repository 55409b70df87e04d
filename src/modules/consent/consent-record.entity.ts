import { Field, Int, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { Channel } from '../touchpoints/touchpoint.enums';
import { ConsentStatus } from './consent.enums';
import { ConsentChange } from './consent.types';

/** One channel's status in a record's resulting state (`channels`), with who set it when. */
export interface StoredChannelConsent {
  status: ConsentStatus;
  source: string;
  /** ISO 8601, as Date#toISOString writes it. */
  recordedAt: string;
  /** Global ID of the API key; null when no key recorded it (seeded data). */
  apiKeyId: string | null;
}

/**
 * One change of a customer's consent or preferences. Append-only: a change is
 * a new row holding what changed (`changes`) and the whole resulting state
 * (`channels`, `preferredChannel`, `contactCap`), so the latest row is the
 * current state and earlier rows are never rewritten.
 */
@Entity('consent_record')
@Index(['customerId', 'id'])
@ObjectType({
  description: "A change of the customer's consent or communication preferences, as recorded. Records are never changed or removed.",
})
export class ConsentRecord {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'customer_id', type: 'bigint' })
  customerId!: string;

  @Field(() => [ConsentChange], { description: 'Channels this record set, with their new status (empty when only preferences changed).' })
  @Column({ type: 'jsonb' })
  changes!: ConsentChange[];

  /** The resulting consent per channel (channels never set are absent: UNKNOWN). */
  @Column({ type: 'jsonb' })
  channels!: Partial<Record<Channel, StoredChannelConsent>>;

  @Field(() => Channel, { nullable: true, description: 'Preferred channel after this record.' })
  @Column({ name: 'preferred_channel', type: 'text', nullable: true })
  preferredChannel!: Channel | null;

  @Field(() => Int, { nullable: true, description: "The customer's own contact cap after this record; null = the default." })
  @Column({ name: 'contact_cap', type: 'integer', nullable: true })
  contactCap!: number | null;

  @Field({ description: 'Where the change came from, as the writer said (e.g. "preference centre", "call centre").' })
  @Column({ type: 'text' })
  source!: string;

  @Column({ name: 'api_key_id', type: 'bigint', nullable: true })
  apiKeyId!: string | null;

  @Field({ description: 'When it was recorded.' })
  @CreateDateColumn({ name: 'recorded_at', type: 'timestamptz' })
  recordedAt!: Date;
}
