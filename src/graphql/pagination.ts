/**
 * Relay connections: argument checking, the GraphQL types, and the page shape
 * services return. Keyset SQL lives in db/keyset.ts.
 */
import { ArgsType, ClassType, Field, Int, ObjectType } from 'type-graphql';
import { DomainError, ErrorCode } from '../shared/errors';

/** Largest page a client may ask for; larger values are BAD_USER_INPUT. */
export const MAX_PAGE_SIZE = 200;
/** Page size when neither `first` nor `last` is given. */
export const DEFAULT_PAGE_SIZE = 20;

@ArgsType()
export class ConnectionArgs {
  @Field(() => Int, { nullable: true, description: `Return the first N items after \`after\` (default ${DEFAULT_PAGE_SIZE}, at most ${MAX_PAGE_SIZE}).` })
  first?: number | null;

  @Field(() => String, { nullable: true, description: 'Cursor of the item to start after (from `edges.cursor` or `pageInfo.endCursor`). Use with `first`.' })
  after?: string | null;

  @Field(() => Int, { nullable: true, description: `Return the last N items before \`before\` (at most ${MAX_PAGE_SIZE}).` })
  last?: number | null;

  @Field(() => String, { nullable: true, description: 'Cursor of the item to end before (from `pageInfo.startCursor`). Use with `last`.' })
  before?: string | null;
}

/** Validated paging request: a direction, a size and an optional cursor. */
export interface PageRequest {
  direction: 'forward' | 'backward';
  size: number;
  cursor: string | null;
  /** Argument name the cursor came from, for error messages. */
  cursorField: 'after' | 'before';
}

/** Checks Relay paging arguments; throws BAD_USER_INPUT with the offending field. */
export function toPageRequest(args: ConnectionArgs, fieldPrefix = ''): PageRequest {
  const { first, after, last, before } = args;
  const field = (name: string) => `${fieldPrefix}${name}`;
  if (first != null && last != null) {
    throw new DomainError(ErrorCode.BAD_USER_INPUT, 'Pass either `first` or `last`, not both.', { field: field('last') });
  }
  if (first != null && before != null) {
    throw new DomainError(ErrorCode.BAD_USER_INPUT, 'Page forward with `first` and `after`, or backward with `last` and `before`.', { field: field('before') });
  }
  if (last != null && after != null) {
    throw new DomainError(ErrorCode.BAD_USER_INPUT, 'Page forward with `first` and `after`, or backward with `last` and `before`.', { field: field('after') });
  }
  const backward = last != null || (before != null && first == null);
  const size = (backward ? last : first) ?? DEFAULT_PAGE_SIZE;
  const sizeField = field(backward ? 'last' : 'first');
  if (!Number.isInteger(size) || size < 0) {
    throw new DomainError(ErrorCode.BAD_USER_INPUT, `\`${sizeField}\` must be zero or a positive whole number.`, { field: sizeField });
  }
  if (size > MAX_PAGE_SIZE) {
    throw new DomainError(ErrorCode.BAD_USER_INPUT, `\`${sizeField}\` may be at most ${MAX_PAGE_SIZE}; ask for the next page with \`after\` instead.`, {
      field: sizeField,
      max: MAX_PAGE_SIZE,
    });
  }
  return backward
    ? { direction: 'backward', size, cursor: before ?? null, cursorField: 'before' }
    : { direction: 'forward', size, cursor: after ?? null, cursorField: 'after' };
}

export interface Edge<T> {
  cursor: string;
  node: T;
}

/** What a paged query returns before it becomes a GraphQL connection. */
export interface Page<T> {
  edges: Edge<T>[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  /** Loaded only when the client selects `totalCount`. */
  totalCount: () => Promise<number>;
}

@ObjectType({ description: 'Where a page sits in the whole list (Relay PageInfo).' })
export class PageInfo {
  @Field({ description: 'True when more items follow this page.' })
  hasNextPage!: boolean;

  @Field({ description: 'True when items precede this page.' })
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true, description: 'Cursor of the first item on this page; null when the page is empty.' })
  startCursor!: string | null;

  @Field(() => String, { nullable: true, description: 'Cursor of the last item on this page; null when the page is empty. Pass it as `after` for the next page.' })
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
