/**
 * A request id for every HTTP request, returned in the `X-Request-Id` header;
 * a client- or proxy-supplied `X-Request-Id` of a safe shape is kept, so one
 * id follows a request through a load balancer. It travels in the GraphQL
 * context (not in async-local storage, whose hooks would cost on every promise
 * of every request), and `requestIdPlugin` adds it to masked errors.
 */
import { randomUUID } from 'node:crypto';
import type { ApolloServerPlugin } from '@apollo/server';
import type { RequestHandler, Response } from 'express';
import { ErrorCode } from '../shared/errors';
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
 * Apollo plugin: puts the request id on every INTERNAL_SERVER_ERROR and logs
 * which error ids (logged with their causes by the error formatter) belong to
 * which request, so a client's report can be matched to the logs.
 */
export function requestIdPlugin<TContext extends { requestId?: string }>(log: Logger): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response, contextValue }) {
          const requestId = contextValue?.requestId;
          if (!requestId || response.body.kind !== 'single' || !response.body.singleResult.errors) return;
          const internal = response.body.singleResult.errors.filter((e) => e.extensions?.code === ErrorCode.INTERNAL_SERVER_ERROR);
          if (!internal.length) return;
          log.error('request failed with an internal error', { requestId, errorIds: internal.map((e) => e.extensions?.errorId) });
          response.body.singleResult.errors = response.body.singleResult.errors.map((e) =>
            e.extensions?.code === ErrorCode.INTERNAL_SERVER_ERROR ? { ...e, extensions: { ...e.extensions, requestId } } : e,
          );
        },
      };
    },
  };
}
