import { Field, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { Node } from '../../shared/graphql/node';
import { Money } from '../../shared/graphql/scalars';

@Entity('product')
@ObjectType({ implements: Node, description: 'Something we sell: a product or service customers can hold and buy.' })
export class Product {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Field({ description: "Stock-keeping unit: the product's unique business key." })
  @Column({ type: 'text', unique: true })
  sku!: string;

  @Field({ description: 'Display name.' })
  @Column({ type: 'text' })
  name!: string;

  @Field({ description: 'Product category, used to group offers and find cross-sell candidates.' })
  @Column({ type: 'text' })
  category!: string;

  @Field(() => Money, { description: 'List price in the account currency.' })
  @Column({ type: 'numeric', precision: 12, scale: 2 })
  price!: string;

  @Field({ description: 'When the product was created.' })
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
