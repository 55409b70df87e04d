/**
 * Every error a client can see carries one of these codes in
 * `extensions.code`. The list is part of the public contract: add, never rename.
 * What each means and how it is handled: ERRORS below.
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
  GRAPHQL_PARSE_FAILED: 'GRAPHQL_PARSE_FAILED',
  GRAPHQL_VALIDATION_FAILED: 'GRAPHQL_VALIDATION_FAILED',
  BAD_REQUEST: 'BAD_REQUEST',
  CUSTOMER_ERASED: 'CUSTOMER_ERASED',
  PERSISTED_QUERY_NOT_FOUND: 'PERSISTED_QUERY_NOT_FOUND',
  TRUSTED_DOCUMENT_REQUIRED: 'TRUSTED_DOCUMENT_REQUIRED',
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  CUSTOMER_MERGED: 'CUSTOMER_MERGED',
  ALREADY_UNMERGED: 'ALREADY_UNMERGED',
  CONSENT_REQUIRED: 'CONSENT_REQUIRED',
  CONTACT_CAP_REACHED: 'CONTACT_CAP_REACHED',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** What the server does with an error of one code. */
export interface ErrorKind {
  /**
   * The HTTP status when an error of this code refuses the whole request
   * before any resolver runs (authentication, rate limit, query limits,
   * malformed requests, a failure before GraphQL). Errors raised while
   * resolving fields travel in a 200 response, as GraphQL over HTTP wants.
   * Absent: this code only ever comes from a resolver or a subscription, or
   * travels in a 200 response by its protocol (PERSISTED_QUERY_NOT_FOUND).
   */
  httpStatus?: number;
  /**
   * Masked errors show the client a generic message with an error id (and
   * the request id); their real message and cause go to the server log only.
   * Unmasked ones are shown as they are: code, message and extensions.
   */
  masked: boolean;
  /** What it means, for the person reading the response; the README's table of codes is checked against it. */
  description: string;
}

/**
 * Every code and how it is handled: the one table the error formatter, the
 * request-id plugin and the HTTP layer read. A code missing here fails the typecheck.
 */
export const ERRORS = {
  BAD_USER_INPUT: {
    httpStatus: 400,
    masked: false,
    description: 'An argument is invalid: wrong format, out of range, a malformed ID or cursor, `first` over the cap.',
  },
  NOT_FOUND: { masked: false, description: 'An ID names nothing that exists.' },
  UNAUTHENTICATED: { httpStatus: 401, masked: false, description: 'No API key where one is needed, or the key is unknown or revoked.' },
  FORBIDDEN: { masked: false, description: "The key's role or scopes do not allow this field or operation." },
  INVALID_STAGE_TRANSITION: { masked: false, description: 'The stage table does not allow this move; the message lists the allowed ones.' },
  CONFLICT: {
    masked: false,
    description: 'The change clashes with existing data, e.g. an external ID already in use or a customer already referred.',
  },
  QUERY_TOO_COMPLEX: {
    httpStatus: 400,
    masked: false,
    description: 'The query is too deep, too costly, or has too many aliases or tokens.',
  },
  RATE_LIMITED: { httpStatus: 429, masked: false, description: 'Too many requests; retry after the `Retry-After` seconds.' },
  RESYNC_REQUIRED: {
    masked: false,
    description: 'A subscription asked to resume from a point older than the retention window; reload, then subscribe afresh.',
  },
  INTERNAL_SERVER_ERROR: {
    httpStatus: 500,
    masked: true,
    description: 'Something unexpected failed. The message is generic; the error id in the response is in the server log with the details.',
  },
  GRAPHQL_PARSE_FAILED: { httpStatus: 400, masked: false, description: 'The request is not valid GraphQL.' },
  GRAPHQL_VALIDATION_FAILED: {
    httpStatus: 400,
    masked: false,
    description: 'The operation does not fit the schema (unknown field, wrong argument type).',
  },
  BAD_REQUEST: {
    httpStatus: 400,
    masked: false,
    description: 'The HTTP request itself is malformed: no query, wrong method, invalid JSON.',
  },
  CUSTOMER_ERASED: {
    masked: false,
    description:
      'The customer was erased (right to erasure): the record is a tombstone that cannot be changed, and erasing it again is refused.',
  },
  // Answered with HTTP 200, as the persisted-query protocol wants: clients then send the full query.
  PERSISTED_QUERY_NOT_FOUND: {
    masked: false,
    description:
      'The server does not know the persisted query (or trusted document) this hash names; send the query text with it, if the server accepts free-form queries.',
  },
  TRUSTED_DOCUMENT_REQUIRED: {
    httpStatus: 403,
    masked: false,
    description:
      'The server runs only trusted documents (an allow-list of operations): send one by its hash, or a key with the ADMIN role for free-form queries.',
  },
  SERVICE_UNAVAILABLE: {
    httpStatus: 503,
    masked: false,
    description:
      'The database cannot be reached for the moment (an outage or a restart); retry after the `Retry-After` seconds. A mutation cut off this way may or may not have been applied.',
  },
  CUSTOMER_MERGED: {
    masked: false,
    description: 'The customer was merged into another (`survivorId` in the extensions); merge or unmerge the survivor instead.',
  },
  ALREADY_UNMERGED: { masked: false, description: 'This merge has already been undone; a merge is unmerged at most once.' },
  CONSENT_REQUIRED: {
    masked: false,
    description: 'The customer opted out of this channel: an outbound marketing touchpoint on it is refused (service replies are allowed).',
  },
  CONTACT_CAP_REACHED: {
    masked: false,
    description:
      'The customer has had their contact cap of outbound marketing touchpoints in the last 30 days; the message says when the next one is allowed.',
  },
} as const satisfies { readonly [C in ErrorCode]: ErrorKind };

/** The table's entry for `code`, as the general ErrorKind. */
export const errorKind = (code: ErrorCode): ErrorKind => ERRORS[code];

/** Codes that can refuse a whole HTTP request: those with an `httpStatus`. */
export type HttpErrorCode = { [C in ErrorCode]: (typeof ERRORS)[C] extends { httpStatus: number } ? C : never }[ErrorCode];

/**
 * Codes Apollo Server uses for requests it cannot run, reported as ours
 * (`extensions.code` only ever carries an ErrorCode).
 */
export const FOREIGN_CODES: Readonly<Record<string, ErrorCode>> = {
  PERSISTED_QUERY_NOT_SUPPORTED: ErrorCode.BAD_REQUEST,
  OPERATION_RESOLUTION_FAILURE: ErrorCode.BAD_REQUEST,
};

/** True when `code` is one of ours. */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERRORS, code);
}

/** True when an error with this code must be masked (unknown codes are: fail closed). */
export function isMasked(code: unknown): boolean {
  return !isErrorCode(code) || errorKind(code).masked;
}

/**
 * A failure with a code: how services and resolvers raise an error meant for
 * a client. (Code that runs inside graphql-js and must hand it a GraphQLError
 * sets the code in its extensions instead: the query guards' QueryGuardError
 * in server/limits.ts, the access checks in modules/auth/access.ts.) The server
 * shows it as `{ message, extensions: { ...extensions, code } }` unless ERRORS
 * marks the code masked; an error without a code is masked as INTERNAL_SERVER_ERROR.
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

/** A write to a customer who was erased: the tombstone stays as it is. */
export const customerErased = (id: string, field?: string) =>
  new DomainError(ErrorCode.CUSTOMER_ERASED, `The customer "${id}" was erased; an erased customer cannot be changed.`, {
    customerId: id,
    ...(field ? { field } : {}),
  });

export const conflict = (field: string, message: string) => new DomainError(ErrorCode.CONFLICT, message, { field });

/**
 * A broken invariant (e.g. an event naming a customer that does not exist):
 * the client sees a masked INTERNAL_SERVER_ERROR with an error id; `message`
 * and `detail` reach the server log only.
 */
export const internalError = (message: string, detail: Record<string, unknown> = {}) =>
  new DomainError(ErrorCode.INTERNAL_SERVER_ERROR, message, detail);
