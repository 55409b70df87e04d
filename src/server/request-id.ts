/**
 * A request id for every HTTP request, returned in the `X-Request-Id` header;
 * a client- or proxy-supplied `X-Request-Id` of a safe shape is kept, so one
 * id follows a request through a load balancer. It travels in the GraphQL
 * context (not in async-local storage, whose hooks would cost on every promise
 * of every request), and `withRequestId` adds it to masked errors.
 * WebSocket operations get theirs in ws.ts (one per subscribe message).
 */
import { randomUUID } from 'node:crypto';
import type { ApolloServerPlugin } from '@apollo/server';
import type { RequestHandler, Response } from 'express';
import type { GraphQLFormattedError } from 'graphql';
import { errorKind, isErrorCode } from '../shared/errors';
import type { Logger } from '../shared/logger';

const SAFE_ID = /^[A-Za-z0-9._:-]{8,64}$/;
const HEADER = 'X-Request-Id';

/** The id assigned to this response's request (by requestIdMiddleware). */
export function requestIdOf(res: Response): string | undefined {
  const id = res.getHeader(HEADER);
  return typeof id === 'string' ? id : undefined;
}

/** Express middleware: assigns the id once per request and sets the response header. */
export const requestIdMiddleware: RequestHandler = (req, res, next) => {
  if (!requestIdOf(res)) {
    const incoming = req.get('x-request-id');
    res.setHeader(HEADER, incoming && SAFE_ID.test(incoming) ? incoming : randomUUID());
  }
  next();
};

/**
 * Puts the request id on every masked error (INTERNAL_SERVER_ERROR) and logs
 * which error ids (logged with their causes by the error formatter) belong to
 * which request, so a client's report can be matched to the logs. Used for
 * HTTP answers (requestIdPlugin) and WebSocket messages (ws.ts) alike.
 */
export function withRequestId(
  errors: readonly GraphQLFormattedError[],
  requestId: string | undefined,
  log: Logger,
  transport: 'http' | 'ws' = 'http',
): readonly GraphQLFormattedError[] {
  const masked = (e: GraphQLFormattedError) => {
    const code = e.extensions?.code;
    return isErrorCode(code) && errorKind(code).masked;
  };
  const internal = errors.filter(masked);
  if (!requestId || !internal.length) return errors;
  log.error('request failed with an internal error', { requestId, transport, errorIds: internal.map((e) => e.extensions?.errorId) });
  return errors.map((e) => (masked(e) ? { ...e, extensions: { ...e.extensions, requestId } } : e));
}

/** Apollo plugin: withRequestId for every HTTP answer, with the request id from the context. */
export function requestIdPlugin<TContext extends { requestId?: string }>(log: Logger): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response, contextValue }) {
          if (response.body.kind !== 'single' || !response.body.singleResult.errors) return;
          response.body.singleResult.errors = withRequestId(response.body.singleResult.errors, contextValue?.requestId, log);
        },
      };
    },
  };
}
