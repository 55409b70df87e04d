import { Arg, Ctx, FieldResolver, ID, Info, Query, Resolver, Root } from 'type-graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { DomainError, ErrorCode } from '../shared/errors';
import type { Context } from './context';
import { MODULES } from '../modules';
import type { ByIdLoaderName } from '../modules/module';
import { parseGlobalId, toGlobalId } from '../shared/global-id';
import { Node } from '../shared/graphql/node';
import type { NodeOwners } from '../modules/sharing';

/** Most IDs `nodes(ids:)` accepts at once. */
export const MAX_NODE_IDS = 200;

/** Which loader fetches each node type: every module's `nodeTypes`. */
const LOADER_FOR_TYPE: ReadonlyMap<string, ByIdLoaderName> = new Map(MODULES.flatMap((m) => Object.entries(m.nodeTypes ?? {})));

/** Whose data each node type is, for the partner scope: every module's `nodeOwners`. */
export const OWNERS_OF_TYPE: ReadonlyMap<string, (row: object) => NodeOwners> = new Map(
  MODULES.flatMap((m) => Object.entries(m.nodeOwners ?? {}) as [string, (row: object) => NodeOwners][]),
);

async function loadNode(ctx: Context, globalId: string): Promise<object | null> {
  const parsed = parseGlobalId(globalId);
  const loaderName = parsed && LOADER_FOR_TYPE.get(parsed.type);
  if (!parsed || !loaderName) return null;
  const row = await (ctx.loaders[loaderName] as { load(id: string): Promise<object | null> }).load(parsed.id);
  // Outside a partner's scope a node does not exist for its keys (a type without owners is never shown to them).
  if (row && ctx.partnerScope && !(await ctx.partnerScope.seesNode(OWNERS_OF_TYPE.get(parsed.type)?.(row)))) return null;
  // Remember the type so Node.resolveType does not have to guess.
  return row ? Object.assign(row, { __typename: parsed.type }) : null;
}

@Resolver(() => Node)
export class NodeResolver {
  @FieldResolver(() => ID)
  id(@Root() root: { id: string }, @Info() info: GraphQLResolveInfo): string {
    return toGlobalId(info.parentType.name, root.id);
  }

  @Query(() => Node, { nullable: true, description: 'Fetches any object by its global ID; null if it does not exist.' })
  node(
    @Arg('id', () => ID, { description: "A global ID from any object's `id` field." }) id: string,
    @Ctx() ctx: Context,
  ): Promise<object | null> {
    return loadNode(ctx, id);
  }

  @Query(() => [Node], {
    nullable: 'items',
    description: `Fetches up to ${MAX_NODE_IDS} objects by global ID, in the order given; null for each that does not exist.`,
  })
  async nodes(
    @Arg('ids', () => [ID], { description: `Global IDs (at most ${MAX_NODE_IDS}).` }) ids: string[],
    @Ctx() ctx: Context,
  ): Promise<(object | null)[]> {
    if (ids.length > MAX_NODE_IDS)
      throw new DomainError(ErrorCode.BAD_USER_INPUT, `Pass at most ${MAX_NODE_IDS} ids.`, { field: 'ids', max: MAX_NODE_IDS });
    return Promise.all(ids.map((id) => loadNode(ctx, id)));
  }
}
