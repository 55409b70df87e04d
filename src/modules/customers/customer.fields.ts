import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { Context } from '../context';
import { Persona } from '../personas/persona.entity';
import { Customer } from './customer.entity';

@Resolver(() => Customer)
export class CustomerFields {
  @FieldResolver(() => Persona, { nullable: true, description: 'The buyer persona the customer is matched to; null if none.' })
  persona(@Root() customer: Customer, @Ctx() ctx: Context): Promise<Persona | null> | null {
    return customer.personaId ? ctx.loaders.personaById.load(customer.personaId) : null;
  }
}
