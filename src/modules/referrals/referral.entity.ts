import { Field, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { Node } from '../../shared/graphql/node';
import { Channel } from '../touchpoints/touchpoint.enums';

@Entity('referral')
@Index(['referrerId', 'createdAt', 'id'])
@ObjectType({ implements: Node, description: 'A recommendation: one customer (the referrer) brought in another (the referred customer).' })
export class Referral {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'referrer_id', type: 'bigint' })
  referrerId!: string;

  @Column({ name: 'referred_id', type: 'bigint', unique: true })
  referredId!: string;

  @Field(() => Channel, { description: 'Channel the referral came through (word of mouth in person, a shared link on social, an email…).' })
  @Column({ name: 'source_channel', type: 'text' })
  sourceChannel!: Channel;

  @Field({ description: 'When the referral was made.' })
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Field(() => Date, { nullable: true, description: 'When the referred customer first bought (converted); null until then.' })
  @Column({ name: 'converted_at', type: 'timestamptz', nullable: true })
  convertedAt!: Date | null;
}
