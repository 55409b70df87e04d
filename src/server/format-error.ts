/**
 * One place maps failures to what a client sees: an error with one of our
 * codes (DomainError, input validation, GraphQL's own errors, the query
 * guards) keeps its code and message unless ERRORS (shared/errors.ts) marks
 * the code masked; a masked or uncoded error becomes INTERNAL_SERVER_ERROR
 * with an error id and the request id, both also in the server log, so no
 * SQL, stack trace or internal detail ever reaches a client.
 */
import { randomUUID } from 'node:crypto';
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { ArgumentValidationError, getMetadataStorage } from 'type-graphql';
import type { ValidationError } from 'class-validator';
import { DomainError, ErrorCode, FOREIGN_CODES, isErrorCode, isMasked } from '../shared/errors';
import { isConnectionError } from '../shared/pg-errors';
import type { Logger } from '../shared/logger';
import { QueryGuardError, tokenLimitError } from './limits';

/** The first failing property path and its messages, e.g. input.purchases[2].quantity. */
function firstViolation(errors: readonly ValidationError[], prefix: string): { field: string; messages: string[] } | null {
  for (const e of errors) {
    const isIndex = /^\d+$/.test(e.property);
    const field = prefix ? (isIndex ? `${prefix}[${e.property}]` : `${prefix}.${e.property}`) : e.property;
    if (e.constraints && Object.keys(e.constraints).length) return { field, messages: Object.values(e.constraints) };
    const nested = e.children ? firstViolation(e.children, field) : null;
    if (nested) return nested;
  }
  return null;
}

/**
 * The argument a validated object was passed as: `input` for a mutation's
 * input, `filter` for a list filter, '' for an @ArgsType (its properties are
 * the arguments themselves). Found in type-graphql's metadata by the object's
 * class; `fieldName` settles a class used under several argument names.
 */
function argumentNameOf(target: unknown, fieldName: string | undefined): string {
  const cls = target && typeof target === 'object' ? (target as object).constructor : undefined;
  if (!cls) return 'input';
  const storage = getMetadataStorage();
  if (storage.argumentTypes.some((t) => t.target === cls)) return '';
  const args = storage.params.filter((p): p is Extract<typeof p, { kind: 'arg' }> => p.kind === 'arg' && p.getType() === cls);
  const names = [...new Set(args.map((p) => p.name))];
  if (names.length === 1) return names[0];
  return args.find((p) => p.methodName === fieldName)?.name ?? 'input';
}

/**
 * The input path of a variable that failed to coerce, from graphql-js's
 * message (it carries the path only in text), e.g.
 * `Variable "$input" got invalid value "x" at "input.purchases[0].amount"; …`
 * → `input.purchases[0].amount`, and a missing required field → its path.
 * Relative to the variable, which our clients name after the argument.
 */
export function variablePathOf(message: string): string | undefined {
  const variable = /^Variable "\$(\w+)"/.exec(message)?.[1];
  if (!variable) return undefined;
  const at = / at "([^"]+)";/.exec(message)?.[1] ?? variable;
  const missing =
    /; Field "(\w+)" of required type .* was not provided\.$/.exec(message)?.[1] ??
    /; Field "(\w+)" is not defined by type /.exec(message)?.[1];
  return missing ? `${at}.${missing}` : at;
}

/**
 * What a client may see of an error: its message and extensions with an
 * ErrorCode, or null when it carries no code of ours. Which codes are shown
 * and which masked is ERRORS' decision, not this function's.
 */
function coded(formatted: GraphQLFormattedError, error: unknown, original: unknown): GraphQLFormattedError | null {
  const base = { message: formatted.message, locations: formatted.locations, path: formatted.path };
  if (original instanceof DomainError) {
    return { ...base, message: original.message, extensions: { ...original.extensions, code: original.code } };
  }
  if (original instanceof ArgumentValidationError) {
    const errors = original.extensions.validationErrors as ValidationError[];
    const fieldName = formatted.path?.filter((p): p is string => typeof p === 'string').at(-1);
    const v = firstViolation(errors, argumentNameOf(errors[0]?.target, fieldName));
    return {
      ...base,
      message: v ? `Invalid value for ${v.field}: ${v.messages.join('; ')}.` : 'Invalid input.',
      extensions: { code: ErrorCode.BAD_USER_INPUT, ...(v ? { field: v.field } : {}) },
    };
  }
  const tooManyTokens = tokenLimitError(error);
  if (tooManyTokens) return { message: tooManyTokens.message, extensions: { ...tooManyTokens.extensions } };
  // Our validation rules (query limits, NUL characters) carry their own code; Apollo files them under GRAPHQL_VALIDATION_FAILED.
  if (error instanceof GraphQLError && error.originalError instanceof QueryGuardError) {
    return { ...base, extensions: { ...formatted.extensions, code: error.originalError.code } };
  }
  const code = formatted.extensions?.code;
  // GraphQL's own errors (syntax, validation, variable coercion) carry their code.
  if (original instanceof GraphQLError && isErrorCode(code)) {
    const field =
      code === ErrorCode.BAD_USER_INPUT && formatted.extensions?.field === undefined ? variablePathOf(formatted.message) : undefined;
    return { ...base, extensions: { ...formatted.extensions, ...(field ? { field } : {}), code } };
  }
  if (typeof code === 'string' && Object.hasOwn(FOREIGN_CODES, code)) return { ...base, extensions: { code: FOREIGN_CODES[code] } };
  return null;
}

/** Where connection errors are reported (db/outage.ts's DatabaseOutage), and what clients are told to wait. */
export interface OutageReporter {
  failed(err: unknown): void;
  readonly retryAfterSeconds: number;
}

/** What a client sees when the database cannot be reached: a code to retry on, no internals. */
export function serviceUnavailableMessage(retryAfterSeconds: number): string {
  return `The service is temporarily unavailable: its database cannot be reached. Retry in ${retryAfterSeconds} s.`;
}

export function createErrorFormatter(log: Logger, outage?: OutageReporter) {
  return function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
    const original = unwrapResolverError(error);
    // A database outage is not a bug: a retryable code, no error id, no stack trace per request (the outage logs once).
    if (!(original instanceof GraphQLError) && !(original instanceof DomainError) && isConnectionError(original)) {
      outage?.failed(original);
      const retryAfter = outage?.retryAfterSeconds ?? 2;
      return {
        message: serviceUnavailableMessage(retryAfter),
        locations: formatted.locations,
        path: formatted.path,
        extensions: { code: ErrorCode.SERVICE_UNAVAILABLE, retryAfter },
      };
    }
    const shown = coded(formatted, error, original);
    if (shown && !isMasked(shown.extensions?.code)) return shown;
    const errorId = randomUUID();
    // requestIdPlugin (HTTP) and the WebSocket server add the request id and log which request this error id belongs to.
    log.error('unexpected error', {
      errorId,
      path: formatted.path,
      error: original instanceof Error ? { name: original.name, message: original.message, stack: original.stack } : String(original),
      ...(original instanceof DomainError && Object.keys(original.extensions).length ? { detail: original.extensions } : {}),
    });
    return {
      message: `Internal server error. Quote error id ${errorId} when reporting it.`,
      locations: formatted.locations,
      path: formatted.path,
      extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, errorId },
    };
  };
}

const SUGGESTION = / Did you mean [^?]*\?$/;

/** A GraphQL message without its "Did you mean …?" hint. */
export function withoutSuggestions(message: string): string {
  return message.replace(SUGGESTION, '');
}

/**
 * Apollo plugin: drops "Did you mean …?" hints from error messages for
 * requests `hide` picks (anonymous ones), so probing clients cannot map the
 * schema by typos.
 */
export function hideSuggestionsPlugin<TContext extends BaseContext>(hide: (ctx: TContext) => boolean): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response, contextValue }) {
          if (response.body.kind !== 'single' || !response.body.singleResult.errors || !hide(contextValue)) return;
          response.body.singleResult.errors = response.body.singleResult.errors.map((e) => ({
            ...e,
            message: withoutSuggestions(e.message),
          }));
        },
      };
    },
  };
}
