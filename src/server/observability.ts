/**
 * One observation per GraphQL HTTP request: a log line and the request
 * metrics, written when the response has finished, whatever answered it
 * (a resolver, a compiled read, or a refusal before GraphQL: a bad body,
 * a bad key, a rate limit). Also the `/metrics` endpoint.
 *
 * An observation is a small record on `res.locals`; the context function
 * adds the API key id and refusals, and the Apollo plugin adds the operation
 * and its outcome. Nothing is kept after the response: no async-local
 * storage, no per-field hooks.
 *
 * Never logged: the query text, variables, response data, the key's secret
 * or any header (docs/operations.md, "Logs").
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApolloServerPlugin } from '@apollo/server';
import type { RequestHandler, Response } from 'express';
import type { GraphQLFormattedError, OperationDefinitionNode } from 'graphql';
import { RawJson } from '../graphql/sql/compiled-reads';
import type { Context } from '../graphql/context';
import type { Logger } from '../shared/logger';
import { UNKNOWN_OPERATION, type Metrics } from '../shared/metrics';
import { requestIdOf } from './request-id';

/** How a query was answered: one compiled statement, compiled SQL plus resolvers, or resolvers only. */
export type ReadPath = 'compiled' | 'mixed' | 'resolvers';

interface Observation {
  started: number;
  keyId: string | null;
  /** The key's public prefix, as `npm run keys -- list` shows it. */
  keyPrefix: string | null;
  /** The operation's name as the client sent it (when known). */
  operation: string | null;
  /** query, mutation or subscription; null until the operation is resolved. */
  type: string | null;
  /** The first error's code; null when the answer had no error. */
  code: string | null;
  readPath: ReadPath | null;
}

const NAME = /^[_A-Za-z][_0-9A-Za-z]{0,99}$/;
/** An error code as the error table writes them (bounded, so it can be a label). */
const CODE = /^[A-Z][A-Z0-9_]{0,63}$/;

/** Where the context carries its observation: a symbol key, which survives Apollo's shallow copy of the context. */
const OBSERVATION = Symbol('observation');
type Observed = { [OBSERVATION]?: Observation };

function observationOf(res: Response): Observation | undefined {
  return res.locals.observation as Observation | undefined;
}

/** Called by the context function: this request's key (its id and public prefix, never the secret). */
export function observeViewer(res: Response, viewer: { apiKeyId: string | null; keyPrefix?: string | null }): void {
  const o = observationOf(res);
  if (!o) return;
  o.keyId = viewer.apiKeyId;
  o.keyPrefix = viewer.keyPrefix ?? null;
}

/** A refusal before GraphQL ran (bad body, bad key, rate limit): its error code. */
export function observeRefusal(res: Response, code: string): void {
  const o = observationOf(res);
  if (o) o.code = code;
}

/** Links the GraphQL context to the request's observation, for the plugin. */
export function bindObservation(context: object, res: Response): void {
  const o = observationOf(res);
  if (o) (context as Observed)[OBSERVATION] = o;
}

function outcomeOf(o: Observation, status: number): string {
  if (o.code) return CODE.test(o.code) ? o.code : 'ERROR';
  if (status >= 400) return status === 400 ? 'BAD_REQUEST' : `HTTP_${status}`;
  return 'ok';
}

/**
 * Express middleware for /graphql: starts the observation and, when the
 * response has gone, writes its log line and metrics. A request whose client
 * went away first is recorded as `CLIENT_CLOSED`.
 */
export function observeRequests(metrics: Metrics | undefined, log: Logger): RequestHandler {
  return (req, res, next) => {
    const o: Observation = {
      started: performance.now(),
      keyId: null,
      keyPrefix: null,
      operation: null,
      type: null,
      code: null,
      readPath: null,
    };
    res.locals.observation = o;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      if (!res.writableFinished && !o.code) o.code = 'CLIENT_CLOSED';
      const seconds = (performance.now() - o.started) / 1000;
      const status = res.statusCode;
      const outcome = outcomeOf(o, status);
      const type = o.type ?? UNKNOWN_OPERATION;
      metrics?.observeRequest(o.type ? metrics.operationLabel(o.operation) : UNKNOWN_OPERATION, type, outcome, seconds);
      const level = status >= 500 ? 'warn' : 'info';
      if (!log.enabled(level)) return;
      // A refused request's operation name comes from the body, unchecked: logged only when shaped like a name.
      const claimed = (req.body as { operationName?: unknown } | undefined)?.operationName;
      const operation = o.operation ?? (typeof claimed === 'string' && NAME.test(claimed) ? claimed : null);
      log[level]('graphql request', {
        transport: 'http',
        requestId: requestIdOf(res),
        keyId: o.keyId,
        keyPrefix: o.keyPrefix,
        operation,
        type,
        status,
        outcome,
        durationMs: Math.round(seconds * 100_000) / 100,
        ...(o.readPath ? { readPath: o.readPath } : {}),
        // A pure compiled read is one statement by construction; other paths are counted in cg_sql_statements_total.
        ...(o.readPath === 'compiled' ? { statements: 1 } : {}),
      });
    };
    res.once('finish', finish);
    res.once('close', finish);
    next();
  };
}

interface WsOperation {
  started: number;
  requestId: string;
  keyId: string | null;
  keyPrefix: string | null;
  operation: string | null;
  type: string;
  code: string | null;
  executing: boolean;
}

/**
 * One log line per WebSocket operation (graphql-ws `subscribe` message), with
 * the same fields as on HTTP: written when it completes (a subscription: when
 * it ends, so `durationMs` is how long it was open) or is refused.
 */
export function wsOperationLog(log: Logger) {
  const open = new WeakMap<object, Map<string, WsOperation>>();
  const get = (ctx: object, id: string) => open.get(ctx)?.get(id);
  const end = (ctx: object, id: string) => {
    const op = get(ctx, id);
    if (!op) return;
    open.get(ctx)!.delete(id);
    const outcome = op.code ? (CODE.test(op.code) ? op.code : 'ERROR') : 'ok';
    const level = op.code && op.code === 'INTERNAL_SERVER_ERROR' ? 'warn' : 'info';
    if (!log.enabled(level)) return;
    log[level]('graphql request', {
      transport: 'ws',
      requestId: op.requestId,
      keyId: op.keyId,
      keyPrefix: op.keyPrefix,
      operation: op.operation,
      type: op.type,
      outcome,
      durationMs: Math.round((performance.now() - op.started) * 100) / 100,
    });
  };
  return {
    start(ctx: object, id: string, requestId: string, viewer: { apiKeyId: string | null; keyPrefix?: string | null }) {
      if (!open.has(ctx)) open.set(ctx, new Map());
      open.get(ctx)!.set(id, {
        started: performance.now(),
        requestId,
        keyId: viewer.apiKeyId,
        keyPrefix: viewer.keyPrefix ?? null,
        operation: null,
        type: UNKNOWN_OPERATION,
        code: null,
        executing: false,
      });
    },
    operation(ctx: object, id: string, operation: OperationDefinitionNode | null | undefined) {
      const op = get(ctx, id);
      if (!op || !operation) return;
      op.operation = operation.name?.value ?? null;
      op.type = operation.operation;
    },
    executing(ctx: object, id: string) {
      const op = get(ctx, id);
      if (op) op.executing = true;
    },
    failed(ctx: object, id: string, errors: readonly GraphQLFormattedError[]) {
      const op = get(ctx, id);
      const code = errors[0]?.extensions?.code;
      if (op && !op.code && errors.length) op.code = typeof code === 'string' ? code : 'ERROR';
    },
    endIfRefused(ctx: object, id: string) {
      if (get(ctx, id)?.executing === false) end(ctx, id);
    },
    end,
  };
}

/** Apollo plugin: the operation's name and type, how a query was answered, and the first error's code. */
export function observationPlugin(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart({ contextValue }) {
      const o = (contextValue as Observed)[OBSERVATION];
      if (!o) return;
      return {
        async didResolveOperation({ operation, operationName }) {
          if (!operation) return;
          o.operation = operation.name?.value ?? operationName ?? null;
          o.type = operation.operation;
        },
        async willSendResponse({ response, contextValue: ctx }) {
          if (response.body.kind !== 'single') return;
          const { data, errors } = response.body.singleResult;
          const code = errors?.[0]?.extensions?.code;
          if (errors?.length) o.code = typeof code === 'string' ? code : 'ERROR';
          if (o.type === 'query') o.readPath = data instanceof RawJson ? 'compiled' : ctx.compiled ? 'mixed' : 'resolvers';
        },
      };
    },
  };
}

/**
 * The `/metrics` handler (plain node, so a separate METRICS_PORT server can
 * use it too). With a token, only `Authorization: Bearer <token>` may read.
 */
export function metricsHandler(metrics: Metrics, token: string | undefined, log: Logger) {
  const expected = token ? createHash('sha256').update(token).digest() : undefined;
  const allowed = (authorization: string | undefined) => {
    if (!expected) return true;
    const m = /^Bearer (.+)$/i.exec(authorization ?? '');
    return !!m && timingSafeEqual(createHash('sha256').update(m[1]).digest(), expected);
  };
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!allowed(req.headers.authorization)) {
      res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer' }).end('A metrics token is required.\n');
      return;
    }
    try {
      const { contentType, body } = await metrics.scrape();
      res.writeHead(200, { 'content-type': contentType }).end(body);
    } catch (err) {
      log.error('collecting metrics failed', { error: err instanceof Error ? err.message : String(err) });
      res.writeHead(500, { 'content-type': 'text/plain' }).end('Collecting metrics failed.\n');
    }
  };
}
