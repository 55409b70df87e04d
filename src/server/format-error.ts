/**
 * One place maps failures to what a client sees: DomainErrors and input
 * validation keep their code and message; anything unexpected becomes
 * INTERNAL_SERVER_ERROR with an id that is also in the server log, so no SQL,
 * stack trace or internal detail ever reaches a client.
 */
import { randomUUID } from 'node:crypto';
import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { ArgumentValidationError } from 'type-graphql';
import type { ValidationError } from 'class-validator';
import { DomainError, ErrorCode } from '../shared/errors';
import type { Logger } from '../shared/logger';

const KNOWN_CODES = new Set<string>(Object.values(ErrorCode));

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

export function createErrorFormatter(log: Logger) {
  return function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
    const original = unwrapResolverError(error);
    const base = { message: formatted.message, locations: formatted.locations, path: formatted.path };

    if (original instanceof DomainError) {
      return { ...base, message: original.message, extensions: { ...original.extensions, code: original.code } };
    }
    if (original instanceof ArgumentValidationError) {
      const argName = formatted.path ? 'input' : '';
      const v = firstViolation(original.extensions.validationErrors as ValidationError[], argName);
      return {
        ...base,
        message: v ? `Invalid value for ${v.field}: ${v.messages.join('; ')}.` : 'Invalid input.',
        extensions: { code: ErrorCode.BAD_USER_INPUT, ...(v ? { field: v.field } : {}) },
      };
    }
    const code = formatted.extensions?.code;
    // GraphQL's own errors (syntax, validation, variable coercion) are safe to show as they are.
    if (original instanceof GraphQLError && typeof code === 'string' && KNOWN_CODES.has(code) && code !== ErrorCode.INTERNAL_SERVER_ERROR) {
      return { ...base, extensions: { ...formatted.extensions, code } };
    }
    if (typeof code === 'string' && ['PERSISTED_QUERY_NOT_FOUND', 'PERSISTED_QUERY_NOT_SUPPORTED', 'OPERATION_RESOLUTION_FAILURE'].includes(code)) {
      return { ...base, extensions: { code: ErrorCode.BAD_REQUEST } };
    }
    const errorId = randomUUID();
    log.error('unexpected error', {
      errorId,
      path: formatted.path,
      error: original instanceof Error ? { name: original.name, message: original.message, stack: original.stack } : String(original),
    });
    return { ...base, message: `Internal server error. Quote error id ${errorId} when reporting it.`, extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, errorId } };
  };
}
