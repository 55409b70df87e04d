/**
 * HTTP side: express 5 + Apollo Server 5 on /graphql, the playground, and the
 * health endpoints. The WebSocket side attaches to the same http.Server.
 *
 * Every request gets a request id (X-Request-Id). On /graphql: the body is at
 * most QueryLimits.maxBodyBytes of valid UTF-8 JSON, one operation per request
 * (JSON arrays — batches — are refused); the API key becomes the viewer
 * (no key: anonymous; a bad or revoked key: 401 UNAUTHENTICATED) and takes one
 * request from its rate-limit bucket (429 RATE_LIMITED with Retry-After when
 * empty); then the query limits (limits.ts) run before any resolver.
 */
import http from 'node:http';
import { isUtf8 } from 'node:buffer';
import express, { type ErrorRequestHandler } from 'express';
import { ApolloServer, HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { GraphQLSchema } from 'graphql';
import type { DataSource } from 'typeorm';
import { createContext, type Context } from '../graphql/context';
import { compiledReadsPlugin, stringifyResult } from '../graphql/sql/compiled-reads';
import type { Services } from '../services';
import type { Logger } from '../shared/logger';
import { GraphQLError } from 'graphql';
import { ANONYMOUS_VIEWER, Role, type Viewer } from '../modules/auth/viewer';
import type { RateLimitDecision } from '../modules/auth/rate-limit';
import { migrationsApplied } from '../db/data-source';
import { DomainError, ERRORS, ErrorCode, errorKind, type HttpErrorCode } from '../shared/errors';
import { createErrorFormatter, hideSuggestionsPlugin } from './format-error';
import { DEFAULT_QUERY_LIMITS, limitsPlugin, limitValidationRules, tooComplex, type QueryLimits } from './limits';
import { playgroundOnBrowserGet, servePlaygroundStatic, type PlaygroundOptions } from './playground';
import { requestIdMiddleware, requestIdOf, requestIdPlugin } from './request-id';
import { importRoute } from './import-route';

export interface HttpDeps {
  schema: GraphQLSchema;
  ds: DataSource;
  services: Services;
  log: Logger;
  /**
   * Resolves the viewer for a request from its Authorization header; throws a
   * DomainError UNAUTHENTICATED for a bad key. Without it every request is anonymous.
   */
  authenticate?: (authorization: string | undefined) => Promise<Viewer>;
  /** Takes one request from the viewer's rate-limit bucket; without it there is no rate limit. */
  rateLimit?: (viewer: Viewer, clientAddress: string) => Promise<RateLimitDecision>;
  /** Query limits (default DEFAULT_QUERY_LIMITS). */
  limits?: QueryLimits;
  /** Express `trust proxy`: how many proxies' X-Forwarded-For to believe for the client address. */
  trustProxy?: number | false;
  playground?: () => PlaygroundOptions;
  plugins?: ApolloServerPlugin<Context>[];
  /** Answer queries from compiled SQL where possible (default true; see graphql/sql/compiled-reads.ts). */
  compiledReads?: boolean;
}

/** A GraphQL error that also sets the HTTP status (ERRORS' for its code) and headers when thrown before execution. */
function httpError(
  code: HttpErrorCode,
  message: string,
  extensions: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): GraphQLError {
  return new GraphQLError(message, {
    extensions: { ...extensions, code, http: { status: ERRORS[code].httpStatus, headers: new HeaderMap(Object.entries(headers)) } },
  });
}

/** The JSON error body for failures that happen before GraphQL (body parsing), shaped like any GraphQL error. */
function sendError(
  res: express.Response,
  message: string,
  extensions: { code: ErrorCode; [k: string]: unknown },
  status = errorKind(extensions.code).httpStatus ?? 500,
): void {
  res
    .status(status)
    .type('application/json')
    .send(JSON.stringify({ errors: [{ message, extensions: { ...extensions, requestId: requestIdOf(res) } }] }));
}

function rejectsBody(limits: QueryLimits, log: Logger): ErrorRequestHandler {
  return (err, _req, res, next) => {
    const e = err as { type?: string; status?: number; length?: number; message?: string };
    if (res.headersSent) return next(err);
    if (e?.type === 'entity.too.large') {
      const error = tooComplex('bodyBytes', limits.maxBodyBytes, e.length ?? limits.maxBodyBytes + 1);
      // 413 (Content Too Large) rather than the code's 400: the body was refused before it was read.
      return sendError(res, error.message, { ...error.extensions, code: ErrorCode.QUERY_TOO_COMPLEX }, 413);
    }
    if (
      e?.type === 'entity.parse.failed' ||
      e?.type === 'encoding.unsupported' ||
      e?.type === 'charset.unsupported' ||
      e?.type === 'entity.verify.failed' ||
      e?.status === 400
    ) {
      return sendError(
        res,
        e.type === 'entity.verify.failed' ? 'The request body is not valid UTF-8.' : 'The request body is not valid JSON.',
        { code: ErrorCode.BAD_REQUEST },
      );
    }
    log.error('unexpected error before GraphQL', { requestId: requestIdOf(res), error: e?.message ?? String(err) });
    return sendError(res, 'Internal server error.', { code: ErrorCode.INTERNAL_SERVER_ERROR });
  };
}

export async function createHttpServer(
  deps: HttpDeps,
): Promise<{ app: express.Express; httpServer: http.Server; apollo: ApolloServer<Context> }> {
  const limits = deps.limits ?? DEFAULT_QUERY_LIMITS;
  const app = express();
  app.disable('x-powered-by');
  // A weak ETag would hash every GraphQL response body; answers to POSTs are never revalidated.
  app.set('etag', false);
  app.set('trust proxy', deps.trustProxy ?? false);
  app.use(requestIdMiddleware);
  const httpServer = http.createServer(app);
  const apollo = new ApolloServer<Context>({
    schema: deps.schema,
    formatError: createErrorFormatter(deps.log),
    includeStacktraceInErrorResponses: false,
    introspection: true,
    allowBatchedHttpRequests: false,
    stringifyResult,
    parseOptions: { maxTokens: limits.maxTokens },
    validationRules: limitValidationRules(limits),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginLandingPageDisabled(),
      // Cache hints are not used, and the plugin hooks every field of every operation.
      ApolloServerPluginCacheControlDisabled(),
      requestIdPlugin<Context>(deps.log),
      limitsPlugin<Context>(limits),
      hideSuggestionsPlugin<Context>((ctx) => !ctx || ctx.viewer.role === Role.ANONYMOUS),
      ...(deps.plugins ?? []),
      // Last: the checks above (limits, auth in the context) run before any SQL.
      ...(deps.compiledReads === false ? [] : [compiledReadsPlugin(deps.ds)]),
    ],
  });
  await apollo.start();

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    try {
      await deps.ds.query('SELECT 1');
      const migrated = await migrationsApplied(deps.ds);
      res
        .status(migrated ? 200 : 503)
        .json({ status: migrated ? 'ready' : 'migrations pending', database: 'ok', migrations: migrated ? 'applied' : 'pending' });
    } catch {
      res.status(503).json({ status: 'unavailable', database: 'unreachable' });
    }
  });
  app.use('/ruru-static', servePlaygroundStatic);
  // Bulk import: the body streams into PostgreSQL, so no body parser runs here (import-route.ts).
  app.post(
    '/import/:kind',
    importRoute({ services: deps.services, log: deps.log, authenticate: deps.authenticate, rateLimit: deps.rateLimit }),
  );
  app.use(
    '/graphql',
    playgroundOnBrowserGet(deps.playground ?? (() => ({}))),
    express.json({
      limit: limits.maxBodyBytes,
      verify: (_req, _res, buf) => {
        if (!isUtf8(buf)) throw Object.assign(new Error('invalid UTF-8'), { status: 400, type: 'entity.verify.failed' });
      },
    }),
    expressMiddleware(apollo, {
      context: async ({ req, res }) => {
        let viewer: Viewer = ANONYMOUS_VIEWER;
        if (deps.authenticate) {
          try {
            viewer = await deps.authenticate(req.headers.authorization);
          } catch (err) {
            if (err instanceof DomainError && err.code === ErrorCode.UNAUTHENTICATED) {
              throw httpError(ErrorCode.UNAUTHENTICATED, err.message, {}, { 'www-authenticate': 'Bearer' });
            }
            throw err;
          }
        }
        if (deps.rateLimit) {
          const decision = await deps.rateLimit(viewer, req.ip ?? req.socket.remoteAddress ?? '');
          res.setHeader('RateLimit-Limit', String(decision.limit));
          res.setHeader('RateLimit-Remaining', String(decision.remaining));
          if (!decision.allowed) {
            throw httpError(
              ErrorCode.RATE_LIMITED,
              `Too many requests: this ${viewer.apiKeyId ? 'API key' : 'client'} may make ${decision.limit} a minute. Retry in ${decision.retryAfterSeconds} s.`,
              { retryAfter: decision.retryAfterSeconds, limit: decision.limit },
              { 'retry-after': String(decision.retryAfterSeconds) },
            );
          }
        }
        return createContext(deps.ds, deps.services, viewer, { requestId: requestIdOf(res) });
      },
    }),
  );
  app.use(rejectsBody(limits, deps.log));
  return { app, httpServer, apollo };
}
