/**
 * Relay connection types for type-graphql: the paging arguments, PageInfo, and
 * `<Name>Connection`/`<Name>Edge` types built per node type. Each module builds
 * the connection types of its own node types with ConnectionType.
 */
import { ArgsType, ClassType, Field, Int, ObjectType } from 'type-graphql';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, type Edge, type Page, type PagingArgs } from '../pagination';

@ArgsType()
export class ConnectionArgs implements PagingArgs {
  @Field(() => Int, {
    nullable: true,
    description: `Return the first N items after \`after\` (default ${DEFAULT_PAGE_SIZE}, at most ${MAX_PAGE_SIZE}).`,
  })
  first?: number | null;

  @Field(() => String, {
    nullable: true,
    description: 'Cursor of the item to start after (from `edges.cursor` or `pageInfo.endCursor`). Use with `first`.',
  })
  after?: string | null;

  @Field(() => Int, { nullable: true, description: `Return the last N items before \`before\` (at most ${MAX_PAGE_SIZE}).` })
  last?: number | null;

  @Field(() => String, { nullable: true, description: 'Cursor of the item to end before (from `pageInfo.startCursor`). Use with `last`.' })
  before?: string | null;
}

@ObjectType({ description: 'Where a page sits in the whole list (Relay PageInfo).' })
export class PageInfo {
  @Field({ description: 'True when more items follow this page.' })
  hasNextPage!: boolean;

  @Field({ description: 'True when items precede this page.' })
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true, description: 'Cursor of the first item on this page; null when the page is empty.' })
  startCursor!: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'Cursor of the last item on this page; null when the page is empty. Pass it as `after` for the next page.',
  })
  endCursor!: string | null;
}

export interface ConnectionShape<T> {
  edges: Edge<T>[];
  nodes: T[];
  pageInfo: PageInfo;
  readonly totalCount: Promise<number>;
}

/** Turns a Page into the object the connection type resolves from; `totalCount` is lazy. */
export function toConnection<T>(page: Page<T>): ConnectionShape<T> {
  const { edges } = page;
  return {
    edges,
    nodes: edges.map((e) => e.node),
    pageInfo: {
      hasNextPage: page.hasNextPage,
      hasPreviousPage: page.hasPreviousPage,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
    get totalCount() {
      return page.totalCount();
    },
  };
}

/**
 * Builds `<Name>Edge` and `<Name>Connection` object types for a node type.
 * `what` is a plural noun for descriptions ("customers").
 */
export function ConnectionType<T extends object>(nodeType: ClassType<T>, name: string, what: string) {
  @ObjectType(`${name}Edge`, { description: `One of the ${what} in a page, with its cursor.` })
  class EdgeType {
    @Field({ description: 'Opaque cursor of this item; pass it as `after` or `before` to page from here.' })
    cursor!: string;

    @Field(() => nodeType, { description: `The item itself: one of the ${what}.` })
    node!: T;
  }

  @ObjectType(`${name}Connection`, { description: `A page of ${what} (Relay connection).` })
  class ConnectionTypeClass {
    @Field(() => [EdgeType], { description: `The ${what} on this page, each with its cursor.` })
    edges!: EdgeType[];

    @Field(() => [nodeType], { description: `The ${what} on this page, without cursors (shortcut for \`edges { node }\`).` })
    nodes!: T[];

    @Field(() => PageInfo, { description: 'Cursors and whether more pages exist.' })
    pageInfo!: PageInfo;

    @Field(() => Int, { description: `How many ${what} match in total, across all pages.` })
    totalCount!: number;
  }
  return ConnectionTypeClass;
}
