/**
 * DataLoaders cache rows for the whole request, which is right for a query but
 * wrong across mutations: in `mutation { a: … b: … }` a customer loaded while
 * resolving `a`'s payload would be served, stale, to `b`'s payload after `b`
 * changed it. So each root mutation field, once its resolver has returned and
 * before its payload's fields resolve, gives the request a fresh set of
 * loaders: each payload reads what its own mutation committed. Root mutation
 * fields run one after another, each with its whole selection, so no payload
 * ever sees another's cache.
 *
 * It wraps the mutation resolvers themselves (for HTTP and WebSocket alike)
 * rather than using an Apollo `willResolveField` hook, which would instrument
 * every field of every operation once any mutation had run.
 */
import { defaultFieldResolver, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';
import type { Context } from './context';
import { createLoaders } from '../modules/loaders';

export function refreshLoadersAfterMutations(schema: GraphQLSchema): GraphQLSchema {
  for (const field of Object.values(schema.getMutationType()?.getFields() ?? {})) {
    const resolve: GraphQLFieldResolver<unknown, Context> = field.resolve ?? defaultFieldResolver;
    field.resolve = async (source, args, ctx, info) => {
      const result = await resolve(source, args, ctx, info);
      if (ctx?.ds) ctx.loaders = createLoaders(ctx.ds.manager);
      return result;
    };
  }
  return schema;
}
