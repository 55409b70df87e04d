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
 *
 * Browsers on the origins in CORS_ORIGINS get CORS headers (the `cors`
 * package, preflights included); Apollo's CSRF guard still refuses simple
 * requests from anywhere. A malformed persisted query is a 400 BAD_REQUEST;
 * with TRUSTED_DOCUMENTS only ADMIN keys may send free-form query text
 * (trusted-documents.ts).
 */
import http from 'node:http';
import net from 'node:net';
import { isUtf8 } from 'node:buffer';
import cors from 'cors';
import express, { type ErrorRequestHandler } from 'express';
import { ApolloServer, HeaderMap, type ApolloServerPlugin, type BaseContext } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
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
import { isConnectionError } from '../shared/pg-errors';
import { createErrorFormatter, hideSuggestionsPlugin, serviceUnavailableMessage, type OutageReporter } from './format-error';
import { DEFAULT_QUERY_LIMITS, limitsPlugin, limitValidationRules, tooComplex, type QueryLimits } from './limits';
import { playgroundOnBrowserGet, servePlaygroundStatic, type PlaygroundOptions } from './playground';
import { requestIdMiddleware, requestIdOf, requestIdPlugin } from './request-id';
import {
  documentIdAsPersistedQuery,
  persistedQueryProblem,
  sendsQueryText,
  type OperationRequest,
  type TrustedDocuments,
} from './trusted-documents';

/** Cross-origin access for browsers (config: CORS_ORIGINS, CORS_CREDENTIALS). */
export interface CorsSettings {
  /** Exact origins allowed; empty: no CORS headers at all (same-origin pages only). */
  origins: readonly string[];
  /** Send Access-Control-Allow-Credentials (default false). */
  credentials?: boolean;
}

/** Request headers a browser may send cross-origin: the key, JSON, a request id, and Apollo's CSRF-safe headers. */
const CORS_REQUEST_HEADERS = ['authorization', 'content-type', 'x-request-id', 'apollo-require-preflight', 'x-apollo-operation-name'];
/** Response headers a cross-origin script may read. */
const CORS_EXPOSED_HEADERS = ['x-request-id', 'ratelimit-limit', 'ratelimit-remaining', 'retry-after', 'www-authenticate'];
/** How long a browser may reuse a preflight answer, in seconds. */
const CORS_MAX_AGE_S = 600;
import type { Metrics } from '../shared/metrics';
import { bindObservation, metricsHandler, observationPlugin, observeRefusal, observeRequests, observeViewer } from './observability';
import { graphqlTracing } from './tracing';
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
  /** Browser origins allowed across origins; unset or empty: none. */
  cors?: CorsSettings;
  /** The allow-list of operations (TRUSTED_DOCUMENTS); unset: any operation, and APQ as usual. */
  trustedDocuments?: TrustedDocuments;
  /** The app's metrics: requests, latency and rate-limit refusals are counted into them. */
  metrics?: Metrics;
  /** Serve `/metrics` on this server (default true when `metrics` is given); `token` requires `Authorization: Bearer <token>`. */
  metricsEndpoint?: { token?: string } | false;
  /** Make a GraphQL operation span per request (true only when the OpenTelemetry SDK was started: src/tracing.ts). */
  tracing?: boolean;
  /** Hears every database connection error (one log line per outage) and says what `Retry-After` to send. */
  outage?: OutageReporter;
}

/**
 * Apollo plugin: a response carrying SERVICE_UNAVAILABLE (the database could
 * not be reached while resolving) is sent as HTTP 503 with `Retry-After`, so
 * load balancers and clients retry instead of reporting a bug.
 */
function serviceUnavailablePlugin<TContext extends BaseContext>(retryAfterSeconds: () => number): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single') return;
          const errors = response.body.singleResult.errors ?? [];
          if (!errors.some((e) => e.extensions?.code === ErrorCode.SERVICE_UNAVAILABLE)) return;
          response.http.status = ERRORS.SERVICE_UNAVAILABLE.httpStatus;
          response.http.headers.set('retry-after', String(retryAfterSeconds()));
        },
      };
    },
  };
}

/** How long a draining server keeps its idle keep-alive connections for requests already on their way (ms). */
const DRAIN_GRACE_MS = 2_000;
/** Longest a drain waits for answers in progress before cutting the remaining connections (ms). */
const DRAIN_DEADLINE_MS = 10_000;

/**
 * Apollo plugin: drains the HTTP server on stop. Like Apollo's
 * drainHttpServer it stops accepting connections and waits for the answers in
 * progress, but it does not close idle keep-alive connections at once: a
 * request a client has already sent on one may still sit unread in the
 * socket, and closing it would reset that request. For DRAIN_GRACE_MS such
 * requests are still answered, each with `Connection: close` (set by the
 * middleware while `state.draining`), so clients move to new connections,
 * which are refused; then idle connections are closed, and after
 * DRAIN_DEADLINE_MS every connection.
 */
function gracefulDrainPlugin(httpServer: http.Server, state: { draining: boolean }): ApolloServerPlugin<BaseContext> {
  return {
    async serverWillStart() {
      return {
        async drainServer() {
          state.draining = true;
          // net.Server#close stops listening without http.Server#close's closeIdleConnections.
          const closed = new Promise<void>((resolve) => net.Server.prototype.close.call(httpServer, () => resolve()));
          const open = await new Promise<number>((resolve) => httpServer.getConnections((err, n) => resolve(err ? 1 : n)));
          if (open > 0) await new Promise((resolve) => setTimeout(resolve, DRAIN_GRACE_MS));
          const idle = setInterval(() => httpServer.closeIdleConnections(), 50);
          const deadline = setTimeout(() => httpServer.closeAllConnections(), DRAIN_DEADLINE_MS);
          httpServer.closeIdleConnections();
          await closed;
          clearInterval(idle);
          clearTimeout(deadline);
        },
      };
    },
  };
}

/** The operation fields of a GraphQL-over-HTTP request: the JSON body of a POST, the URL parameters of a GET. */
function operationRequestOf(req: express.Request): OperationRequest {
  if (req.method !== 'GET') return (req.body ?? {}) as OperationRequest;
  const { query, extensions } = req.query as Record<string, unknown>;
  if (typeof extensions !== 'string') return { query };
  try {
    return { query, extensions: JSON.parse(extensions) as unknown };
  } catch {
    return { query };
  }
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
  observeRefusal(res, extensions.code);
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
  const retryAfter = deps.outage?.retryAfterSeconds ?? 2;
  /** A connection error before GraphQL runs (key lookup, rate-limit lease) refuses the request with 503. */
  const unavailable = (err: unknown): GraphQLError => {
    deps.outage?.failed(err);
    return httpError(
      ErrorCode.SERVICE_UNAVAILABLE,
      serviceUnavailableMessage(retryAfter),
      { retryAfter },
      { 'retry-after': String(retryAfter) },
    );
  };
  const app = express();
  app.disable('x-powered-by');
  // A weak ETag would hash every GraphQL response body; answers to POSTs are never revalidated.
  app.set('etag', false);
  app.set('trust proxy', deps.trustProxy ?? false);
  const drain = { draining: false };
  app.use((_req, res, next) => {
    // While draining, every answer tells the client to open a new connection (which is refused: the server stopped listening).
    if (drain.draining) res.setHeader('connection', 'close');
    next();
  });
  app.use(requestIdMiddleware);
  const httpServer = http.createServer(app);
  const tracing = deps.tracing ? graphqlTracing() : undefined;
  const apollo = new ApolloServer<Context>({
    schema: deps.schema,
    formatError: createErrorFormatter(deps.log, deps.outage),
    includeStacktraceInErrorResponses: false,
    // The process owner (main.ts) handles SIGTERM/SIGINT: drain, then close the pool and stop PostgreSQL.
    // Apollo's own handler would race it to stop() and then re-raise the signal.
    stopOnTerminationSignals: false,
    introspection: true,
    allowBatchedHttpRequests: false,
    // Apollo's CSRF guard, kept whatever CORS allows: a GET, or a POST with a content type a plain
    // HTML form can send, must carry a header only scripts can set (which makes browsers preflight).
    csrfPrevention: true,
    // Trusted documents answer persisted-query hashes from the manifest (and register nothing);
    // otherwise APQ uses Apollo's in-memory cache.
    ...(deps.trustedDocuments ? { persistedQueries: { cache: deps.trustedDocuments.cache, ttl: null } } : {}),
    stringifyResult,
    parseOptions: { maxTokens: limits.maxTokens },
    validationRules: limitValidationRules(limits),
    plugins: [
      gracefulDrainPlugin(httpServer, drain),
      ApolloServerPluginLandingPageDisabled(),
      // Cache hints are not used, and the plugin hooks every field of every operation.
      ApolloServerPluginCacheControlDisabled(),
      requestIdPlugin<Context>(deps.log),
      observationPlugin(),
      ...(tracing ? [tracing.plugin] : []),
      serviceUnavailablePlugin<Context>(() => retryAfter),
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
  if (deps.metrics && deps.metricsEndpoint !== false) {
    const scrape = metricsHandler(deps.metrics, deps.metricsEndpoint?.token, deps.log);
    app.get('/metrics', (req, res) => void scrape(req, res));
  }
  app.use('/ruru-static', servePlaygroundStatic);
  const corsOrigins = deps.cors?.origins ?? [];
  if (corsOrigins.length) {
    const allowed = new Set(corsOrigins);
    // The cors package answers preflights (OPTIONS) itself and adds the headers to allowed origins'
    // requests; other origins get no Access-Control-* headers, so browsers refuse them.
    app.use(
      '/graphql',
      cors({
        origin: (origin, done) => done(null, origin !== undefined && allowed.has(origin)),
        methods: ['GET', 'POST'],
        allowedHeaders: CORS_REQUEST_HEADERS,
        exposedHeaders: CORS_EXPOSED_HEADERS,
        credentials: deps.cors?.credentials ?? false,
        maxAge: CORS_MAX_AGE_S,
      }),
    );
  }
  const trusted = deps.trustedDocuments;
  // Bulk import: the body streams into PostgreSQL, so no body parser runs here (import-route.ts).
  app.post(
    '/import/:kind',
    importRoute({ services: deps.services, log: deps.log, authenticate: deps.authenticate, rateLimit: deps.rateLimit }),
  );
  app.use(
    '/graphql',
    playgroundOnBrowserGet(deps.playground ?? (() => ({}))),
    observeRequests(deps.metrics, deps.log),
    express.json({
      limit: limits.maxBodyBytes,
      verify: (_req, _res, buf) => {
        if (!isUtf8(buf)) throw Object.assign(new Error('invalid UTF-8'), { status: 400, type: 'entity.verify.failed' });
      },
    }),
    ...(trusted
      ? [
          ((req, _res, next) => {
            if (req.body && typeof req.body === 'object') documentIdAsPersistedQuery(req.body as Record<string, unknown>);
            next();
          }) satisfies express.RequestHandler,
        ]
      : []),
    ...(tracing ? [tracing.middleware] : []),
    expressMiddleware(apollo, {
      context: async ({ req, res }) => {
        const operation = operationRequestOf(req);
        // Apollo would fail these with an uncoded (so masked, logged with a stack) error.
        const malformed = persistedQueryProblem(operation);
        if (malformed) throw httpError(malformed.code, malformed.message);
        let viewer: Viewer = ANONYMOUS_VIEWER;
        if (deps.authenticate) {
          try {
            viewer = await deps.authenticate(req.headers.authorization);
          } catch (err) {
            observeRefusal(res, err instanceof DomainError ? err.code : ErrorCode.INTERNAL_SERVER_ERROR);
            if (err instanceof DomainError && err.code === ErrorCode.UNAUTHENTICATED) {
              throw httpError(ErrorCode.UNAUTHENTICATED, err.message, {}, { 'www-authenticate': 'Bearer' });
            }
            if (isConnectionError(err)) throw unavailable(err);
            throw err;
          }
        }
        observeViewer(res, viewer);
        if (deps.rateLimit) {
          let decision: RateLimitDecision;
          try {
            decision = await deps.rateLimit(viewer, req.ip ?? req.socket.remoteAddress ?? '');
          } catch (err) {
            if (isConnectionError(err)) throw unavailable(err);
            throw err;
          }
          res.setHeader('RateLimit-Limit', String(decision.limit));
          res.setHeader('RateLimit-Remaining', String(decision.remaining));
          if (!decision.allowed) {
            observeRefusal(res, ErrorCode.RATE_LIMITED);
            deps.metrics?.rateLimitRefusals.inc({ limit: 'requests', transport: 'http' });
            throw httpError(
              ErrorCode.RATE_LIMITED,
              `Too many requests: this ${viewer.apiKeyId ? 'API key' : 'client'} may make ${decision.limit} a minute. Retry in ${decision.retryAfterSeconds} s.`,
              { retryAfter: decision.retryAfterSeconds, limit: decision.limit },
              { 'retry-after': String(decision.retryAfterSeconds) },
            );
          }
        }
        // Free-form text only from ADMIN keys (the playground, operators); everyone else names a trusted document.
        if (trusted && viewer.role !== Role.ADMIN && sendsQueryText(operation) && !trusted.admits(operation.query)) {
          observeRefusal(res, ErrorCode.TRUSTED_DOCUMENT_REQUIRED);
          throw httpError(
            ErrorCode.TRUSTED_DOCUMENT_REQUIRED,
            'This server runs only trusted documents: send the operation by its hash (extensions.persistedQuery.sha256Hash or documentId).',
          );
        }
        const context = createContext(deps.ds, deps.services, viewer, { requestId: requestIdOf(res) });
        bindObservation(context, res);
        return context;
      },
    }),
  );
  app.use(rejectsBody(limits, deps.log));
  return { app, httpServer, apollo };
}
