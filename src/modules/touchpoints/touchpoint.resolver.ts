import { Arg, Ctx, Field, Mutation, ObjectType, Resolver } from 'type-graphql';
import type { Context } from '../context';
import { Touchpoint } from './touchpoint.entity';
import { RecordTouchpointInput } from './touchpoint.inputs';

@ObjectType({ description: 'Result of `recordTouchpoint`.' })
export class RecordTouchpointPayload {
  @Field(() => Touchpoint, { description: 'The recorded touchpoint.' })
  touchpoint!: Touchpoint;
}

@Resolver()
export class TouchpointResolver {
  @Mutation(() => RecordTouchpointPayload, {
    description: 'Records an interaction with a customer and their response. Emits TOUCHPOINT_RECORDED.',
  })
  async recordTouchpoint(
    @Arg('input', () => RecordTouchpointInput, { description: 'The touchpoint.' }) input: RecordTouchpointInput,
    @Ctx() ctx: Context,
  ): Promise<RecordTouchpointPayload> {
    return { touchpoint: await ctx.services.touchpoints.record(input) };
  }
}
