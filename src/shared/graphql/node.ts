import { Field, ID, InterfaceType } from 'type-graphql';

/**
 * Every object with an identity implements Node, so any of them can be fetched
 * again with `node(id:)` (Relay's object identification). The `id` field is
 * resolved by NodeFieldsResolver from the row's local key and the type name.
 */
@InterfaceType({ description: 'An object with a globally unique, opaque ID that `node(id:)` resolves.' })
export abstract class Node {
  @Field(() => ID, { description: 'Globally unique, opaque identifier. Stable: store it and fetch the object again with `node(id:)`.' })
  id!: string;
}
