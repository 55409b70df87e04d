import { Arg, Args, Ctx, Field, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import type { Context } from '../../graphql/context';
import { PersonaConnection } from '../../graphql/connections';
import { ConnectionArgs, toConnection, toPageRequest } from '../../graphql/pagination';
import { pageFromQuery } from '../../db/keyset';
import { Persona } from './persona.entity';
import { CreatePersonaInput } from './persona.inputs';
import { BY_NAME } from './persona.sql';

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
  async createPersona(@Arg('input', () => CreatePersonaInput, { description: 'The new persona.' }) input: CreatePersonaInput, @Ctx() ctx: Context): Promise<CreatePersonaPayload> {
    return { persona: await ctx.services.personas.create(input) };
  }
}
