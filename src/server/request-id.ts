/**
 * A request id for every HTTP request, carried through the async work the
 * request causes (AsyncLocalStorage), so the error formatter and the logs can
 * name it without it being passed around. It is returned in the `X-Request-Id`
 * header; a client- or proxy-supplied `X-Request-Id` of a safe shape is kept,
 * so one id follows a request through a load balancer.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';

const store = new AsyncLocalStorage<{ requestId: string }>();
const SAFE_ID = /^[A-Za-z0-9._:-]{8,64}$/;

/** The current request's id, or undefined outside a request. */
export function currentRequestId(): string | undefined {
  return store.getStore()?.requestId;
}

/** Runs `fn` with `requestId` as the current request id (WebSocket servers use this per operation). */
export function withRequestId<T>(requestId: string, fn: () => T): T {
  return store.run({ requestId }, fn);
}

/**
 * Express middleware: assigns the id (once per request), sets the response
 * header, and runs the rest of the request under it. Mount it again right
 * before the GraphQL handler: body parsing resumes on stream events, which do
 * not carry the async context along.
 */
export const requestIdMiddleware: RequestHandler = (req, res, next) => {
  const assigned = res.getHeader('X-Request-Id');
  const incoming = req.get('x-request-id');
  const requestId = typeof assigned === 'string' ? assigned : incoming && SAFE_ID.test(incoming) ? incoming : randomUUID();
  if (typeof assigned !== 'string') res.setHeader('X-Request-Id', requestId);
  store.run({ requestId }, () => next());
};
