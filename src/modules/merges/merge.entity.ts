import { Field, Float, ObjectType, registerEnumType } from 'type-graphql';
import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { Node } from '../../shared/graphql/node';

/** Why two customers may be one person. Add, never rename. */
export enum DuplicateReason {
  SAME_EMAIL = 'SAME_EMAIL',
  SAME_PHONE = 'SAME_PHONE',
  SIMILAR_NAME = 'SIMILAR_NAME',
}
registerEnumType(DuplicateReason, {
  name: 'DuplicateReason',
  description: 'Why two customers may be one person (see docs/merge.md for the score).',
  valuesConfig: {
    SAME_EMAIL: { description: 'The same email address once case and all whitespace are ignored.' },
    SAME_PHONE: { description: 'The same phone number once everything but the digits is dropped (at least 6 digits).' },
    SIMILAR_NAME: {
      description:
        'Names with a trigram similarity of 0.5 or more (case ignored), and the pair shares an attribute: the email, the phone digits or the part of the email before the @.',
    },
  },
});

/**
 * One candidate pair, stored in both directions (`duplicate_pair`, kept up to date by triggers
 * on `customer`; see migrations/1764069000000-CustomerMerge.ts).
 */
@Entity('duplicate_pair')
@ObjectType('DuplicateCandidate', { description: 'Two customers that may be one person, with how sure we are and why.' })
export class DuplicatePair {
  @PrimaryColumn({ name: 'customer_id', type: 'bigint' })
  customerId!: string;

  @PrimaryColumn({ name: 'duplicate_id', type: 'bigint' })
  duplicateId!: string;

  @Field(() => Float, {
    description:
      'How likely the two are one person, from 0 to 1: 1 − (1 − 0.8·email)(1 − 0.6·phone)(1 − 0.6·nameSimilarity·similarName), rounded to 3 places.',
  })
  @Column({ type: 'numeric', precision: 4, scale: 3 })
  score!: string;

  @Field(() => [DuplicateReason], { description: 'Every reason that holds, in the order SAME_EMAIL, SAME_PHONE, SIMILAR_NAME.' })
  @Column({ type: 'text', array: true })
  reasons!: DuplicateReason[];

  @Field(() => Float, {
    description: 'Trigram similarity of the two names (0 to 1, case ignored), whether or not it counts as SIMILAR_NAME.',
  })
  @Column({ name: 'name_similarity', type: 'numeric', precision: 4, scale: 3 })
  nameSimilarity!: string;
}

/** One merge of customer profiles into a survivor, and whether it was undone. */
@Entity('customer_merge')
@ObjectType({
  implements: Node,
  description:
    'A merge of customer profiles into one survivor. The merged profiles stay as tombstones: their IDs answer the survivor until the merge is undone with `unmergeCustomers`.',
})
export class CustomerMerge {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'survivor_id', type: 'bigint' })
  survivorId!: string;

  @Column({ name: 'merged_ids', type: 'bigint', array: true })
  mergedIdList!: string[];

  /** Per field, the local id of the profile whose value was kept. */
  @Column({ type: 'jsonb' })
  keep!: Record<string, string>;

  @Field({ description: 'When the profiles were merged.' })
  @Column({ name: 'merged_at', type: 'timestamptz' })
  mergedAt!: Date;

  @Column({ name: 'merged_by', type: 'text', nullable: true })
  mergedBy!: string | null;

  @Field(() => Date, { nullable: true, description: 'When the merge was undone; null while it stands.' })
  @Column({ name: 'unmerged_at', type: 'timestamptz', nullable: true })
  unmergedAt!: Date | null;

  @Column({ name: 'unmerged_by', type: 'text', nullable: true })
  unmergedBy!: string | null;
}
