import { Arg, Args, Ctx, Field, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import type { Context } from '../context';
import { ConnectionArgs, ConnectionType, toConnection } from '../../shared/graphql/connection';
import { toPageRequest } from '../../shared/pagination';
import { pageFromQuery } from '../../db/keyset';
import { Persona } from './persona.entity';
import { CreatePersonaInput } from './persona.inputs';
import { BY_NAME } from './persona.sql';

export const PersonaConnection = ConnectionType(Persona, 'Persona', 'personas');

@ObjectType({ description: 'Result of `createPersona`.' })
export class CreatePersonaPayload {
  @Field(() => Persona, { description: 'The new persona.' })
  persona!: Persona;
}

@Resolver(() => Persona)
export class PersonaResolver {
  @Query(() => PersonaConnection, { description: 'All buyer personas, by name.' })
  async personas(@Args() page: ConnectionArgs, @Ctx() ctx: Context) {
    return toConnection(await pageFromQuery(ctx.ds.manager.getRepository(Persona).createQueryBuilder('x'), BY_NAME, toPageRequest(page)));
  }

  @Mutation(() => CreatePersonaPayload, { description: 'Creates a buyer persona.' })
  async createPersona(
    @Arg('input', () => CreatePersonaInput, { description: 'The new persona.' }) input: CreatePersonaInput,
    @Ctx() ctx: Context,
  ): Promise<CreatePersonaPayload> {
    return { persona: await ctx.services.personas.create(input) };
  }
}
