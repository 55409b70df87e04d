/**
 * Every error a client can see carries one of these codes in
 * `extensions.code`. The list is part of the public contract: add, never rename.
 */
export const ErrorCode = {
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  NOT_FOUND: 'NOT_FOUND',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  INVALID_STAGE_TRANSITION: 'INVALID_STAGE_TRANSITION',
  CONFLICT: 'CONFLICT',
  QUERY_TOO_COMPLEX: 'QUERY_TOO_COMPLEX',
  RATE_LIMITED: 'RATE_LIMITED',
  RESYNC_REQUIRED: 'RESYNC_REQUIRED',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
  /** The request is not valid GraphQL syntax. */
  GRAPHQL_PARSE_FAILED: 'GRAPHQL_PARSE_FAILED',
  /** The operation does not fit the schema (unknown field, wrong argument type…). */
  GRAPHQL_VALIDATION_FAILED: 'GRAPHQL_VALIDATION_FAILED',
  /** The HTTP request itself is malformed (no query, wrong method, bad JSON). */
  BAD_REQUEST: 'BAD_REQUEST',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/**
 * An expected failure with a message written for the person reading it.
 * Services throw these; the server maps them to GraphQL errors unchanged,
 * while anything else is masked as INTERNAL_SERVER_ERROR.
 */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Extra machine-readable detail, e.g. `{ field: 'input.email' }`. */
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const badInput = (field: string, message: string, extra: Record<string, unknown> = {}) =>
  new DomainError(ErrorCode.BAD_USER_INPUT, message, { field, ...extra });

export const notFound = (what: string, id: string, field?: string) =>
  new DomainError(ErrorCode.NOT_FOUND, `No ${what} with id "${id}" exists.`, field ? { field } : {});

export const conflict = (field: string, message: string) => new DomainError(ErrorCode.CONFLICT, message, { field });
