import { Field, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { Channel } from '../touchpoints/touchpoint.enums';
import { Node } from '../../shared/graphql/node';

@Entity('persona')
@ObjectType({
  implements: Node,
  description:
    'A buyer persona: a profile of an ideal customer (their problems, goals and favourite channels) that customers are matched to so messages can be tailored.',
})
export class Persona {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Field({ description: 'Short unique name, e.g. "Independent business traveller".' })
  @Column({ type: 'text', unique: true })
  name!: string;

  @Field({ description: 'Who this persona is and what problem they are trying to solve.' })
  @Column({ type: 'text' })
  description!: string;

  @Field(() => [String], { description: 'What this persona needs most: the goals our offers should speak to.' })
  @Column({ type: 'text', array: true, default: () => "'{}'" })
  goals!: string[];

  @Field(() => [Channel], { description: 'Channels this persona prefers to be reached on, most preferred first.' })
  @Column({ name: 'preferred_channels', type: 'text', array: true, default: () => "'{}'" })
  preferredChannels!: Channel[];

  @Field({ description: 'When the persona was created.' })
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
