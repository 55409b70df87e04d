/**
 * Relay paging below GraphQL: argument checking, page limits, and the page
 * shape services return. The GraphQL types are in shared/graphql/connection.ts;
 * keyset SQL lives in db/keyset.ts.
 */
import { DomainError, ErrorCode } from './errors';

/** Largest page a client may ask for; larger values are BAD_USER_INPUT. */
export const MAX_PAGE_SIZE = 200;
/** Page size when neither `first` nor `last` is given. */
export const DEFAULT_PAGE_SIZE = 20;

/** Relay paging arguments as a client sends them (ConnectionArgs in shared/graphql/connection.ts is their GraphQL form). */
export interface PagingArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
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
export function toPageRequest(args: PagingArgs, fieldPrefix = ''): PageRequest {
  const { first, after, last, before } = args;
  const field = (name: string) => `${fieldPrefix}${name}`;
  if (first != null && last != null) {
    throw new DomainError(ErrorCode.BAD_USER_INPUT, 'Pass either `first` or `last`, not both.', { field: field('last') });
  }
  if (first != null && before != null) {
    throw new DomainError(ErrorCode.BAD_USER_INPUT, 'Page forward with `first` and `after`, or backward with `last` and `before`.', {
      field: field('before'),
    });
  }
  if (last != null && after != null) {
    throw new DomainError(ErrorCode.BAD_USER_INPUT, 'Page forward with `first` and `after`, or backward with `last` and `before`.', {
      field: field('after'),
    });
  }
  const backward = last != null || (before != null && first == null);
  const size = (backward ? last : first) ?? DEFAULT_PAGE_SIZE;
  const sizeField = field(backward ? 'last' : 'first');
  if (!Number.isInteger(size) || size < 0) {
    throw new DomainError(ErrorCode.BAD_USER_INPUT, `\`${sizeField}\` must be zero or a positive whole number.`, { field: sizeField });
  }
  if (size > MAX_PAGE_SIZE) {
    throw new DomainError(
      ErrorCode.BAD_USER_INPUT,
      `\`${sizeField}\` may be at most ${MAX_PAGE_SIZE}; ask for the next page with \`after\` instead.`,
      {
        field: sizeField,
        max: MAX_PAGE_SIZE,
      },
    );
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
