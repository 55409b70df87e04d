/**
 * WebSocket side: graphql-ws (protocol `graphql-transport-ws`) on the same
 * http.Server and path as HTTP (/graphql).
 *
 * - Who is connecting comes from one function, `authenticate(authorization)`,
 *   called once per connection with `connectionParams.authorization` (also
 *   spelt `Authorization`, or under `connectionParams.headers`: see
 *   `authorizationOf`), else the upgrade request's Authorization header; without it everyone is the
 *   anonymous viewer, as on HTTP. A DomainError UNAUTHENTICATED closes with 4401,
 *   FORBIDDEN with 4403.
 * - Each subscription gets its own context with non-caching loaders
 *   (`createContext(..., { cache: false })`): it lives as long as the
 *   subscription, and cached rows would go stale.
 * - Errors are shaped exactly as on HTTP (same formatter): DomainError codes
 *   kept, anything unexpected masked with an error id that is logged. Each
 *   operation (graphql-ws `subscribe` message) gets its own request id, in its
 *   context as `requestId`; masked errors carry it in `extensions.requestId`,
 *   and the log ties it to their error ids (withRequestId, as on HTTP).
 *   Problems with the operation itself (syntax, validation, bad arguments, a
 *   cursor that needs RESYNC_REQUIRED) arrive as a graphql-ws `error` message.
 * - A subscriber that stops reading is cut off: its subscription's buffer
 *   (EVENT_SUBSCRIPTION_BUFFER) overflows and the connection is closed with
 *   4413 (CLOSE_CODES.SLOW_CONSUMER). Other subscribers are not affected.
 * - Shutdown: `plugin` is an Apollo plugin whose drainServer closes every
 *   socket with 1001 (going away; clients reconnect elsewhere) — Apollo's
 *   documented pattern for graphql-ws.
 * - Fan-out: a document is parsed and validated once, however many clients
 *   send it; and subscribers whose operations would produce the same result
 *   for an event (same document, same variables inside the selection, same
 *   viewer) share one execution of it (see `sharedExecution`).
 */
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import type { ApolloServerPlugin } from '@apollo/server';
import {
  createSourceEventStream,
  execute,
  getOperationAST,
  GraphQLError,
  Kind,
  parse,
  specifiedRules,
  validate,
  visit,
  type ASTNode,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type ValidationRule,
} from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { DataSource } from 'typeorm';
import { createContext, type Context } from '../graphql/context';
import { ANONYMOUS_VIEWER, Role, type Viewer } from '../modules/auth/viewer';
import { bindTransport } from '../modules/events/transport';
import type { Services } from '../services';
import { DomainError, ErrorCode } from '../shared/errors';
import type { Logger } from '../shared/logger';
import { isConnectionError } from '../shared/pg-errors';
import { createErrorFormatter, serviceUnavailableMessage, type OutageReporter } from './format-error';
import { withRequestId } from './request-id';
import type { TrustedDocuments } from './trusted-documents';
import { wsOperationLog } from './observability';

/** Close codes this server uses besides graphql-ws's own (4400 bad request, 4408 init timeout, 4500 internal, …). */
export const CLOSE_CODES = {
  /** The API key is missing or not valid (from `authenticate`). The client should not retry with the same key. */
  UNAUTHORIZED: 4401,
  /** The key is valid but may not use this API. */
  FORBIDDEN: 4403,
  /** The client did not read its events fast enough; reconnect and resume with `after`. */
  SLOW_CONSUMER: 4413,
  /** Server shutting down (standard "going away"); reconnect, possibly to another instance. */
  GOING_AWAY: 1001,
  /** The key could not be checked because the database is unreachable (standard "try again later"); reconnect in a few seconds. */
  TRY_AGAIN_LATER: 1013,
} as const;

export interface WsDeps {
  schema: GraphQLSchema;
  ds: DataSource;
  services: Services;
  log: Logger;
  /** Resolves the viewer of a connection from its authorization string; without it every connection is anonymous, as on HTTP. */
  authenticate?: (authorization: string | undefined) => Promise<Viewer>;
  /** Validation rules applied after GraphQL's own (e.g. depth and cost limits). */
  validationRules?: readonly ValidationRule[];
  /** Path served (default /graphql). */
  path?: string;
  /** Server ping interval in ms; a client that does not answer within it is dropped (default 12 s). */
  keepAliveMs?: number;
  /**
   * Called before each subscription starts (e.g. to enforce a per-key cap);
   * returns the function that gives the slot back when the subscription ends.
   * A DomainError it throws is sent to the client as the operation's error.
   */
  acquireSubscription?: (viewer: Viewer) => Promise<() => Promise<void>>;
  /** Hears every database connection error (one log line per outage) and says when to retry. */
  outage?: OutageReporter;
  /** Most lexical tokens in an operation document (graphql-js `maxTokens`); unlimited when unset. */
  maxTokens?: number;
  /**
   * Called for every operation after validation, before it runs (e.g. cost
   * limits and rate limits); errors it returns are sent instead of running it.
   */
  checkOperation?: (
    viewer: Viewer,
    document: DocumentNode,
    variables: Record<string, unknown> | null | undefined,
    operationName: string | null | undefined,
  ) => Promise<readonly GraphQLError[]>;
  /**
   * The allow-list of operations (TRUSTED_DOCUMENTS), as on HTTP: keys other
   * than ADMIN send a manifest document, as text or by hash alone (an empty
   * `query` and `extensions.persistedQuery.sha256Hash`).
   */
  trustedDocuments?: TrustedDocuments;
}

/** The text of a subscribe message's operation under trusted documents, or the error to send instead. */
function trustedSource(trusted: TrustedDocuments, viewer: Viewer, query: string, extensions: unknown): string | GraphQLError {
  const hash = (extensions as { persistedQuery?: { sha256Hash?: unknown } } | null | undefined)?.persistedQuery?.sha256Hash;
  if (!query && typeof hash === 'string') {
    return (
      trusted.documentFor(hash) ?? new GraphQLError('PersistedQueryNotFound', { extensions: { code: ErrorCode.PERSISTED_QUERY_NOT_FOUND } })
    );
  }
  if (viewer.role === Role.ADMIN || trusted.admits(query)) return query;
  return new GraphQLError(
    'This server runs only trusted documents: send the operation by its hash (extensions.persistedQuery.sha256Hash).',
    { extensions: { code: ErrorCode.TRUSTED_DOCUMENT_REQUIRED } },
  );
}

export interface GraphQLWebSocketServer {
  /** Add to Apollo's plugins: closes every socket when Apollo drains. */
  plugin: ApolloServerPlugin<Context>;
  /** Starts accepting WebSocket upgrades on `httpServer`. */
  attach(httpServer: http.Server): void;
  /** Closes every connection (1001) and stops accepting new ones. */
  dispose(): Promise<void>;
  /** Open WebSocket connections. */
  connectionCount(): number;
  /** Closes the connections whose viewer matches (e.g. all of a revoked API key); returns how many. */
  closeConnections(match: (viewer: Viewer) => boolean, code: number, reason: string): number;
}

const MAX_INCOMING_MESSAGE = 1024 * 1024;

/** Carries every error of a failed subscription set-up through graphql-ws's error path. */
class OperationErrors extends Error {
  constructor(readonly errors: readonly GraphQLError[]) {
    super(errors[0]?.message ?? 'Operation failed');
  }
}

/** A close reason fits in 123 bytes. */
const closeReason = (text: string) => (Buffer.byteLength(text) <= 123 ? text : `${text.slice(0, 110)}…`);

/** How often an event whose fields met a database outage is executed again, and for how long at most (ms). */
const RETRY_EVENT_MS = 250;
const MAX_EVENT_RETRY_MS = 60_000;

/** Distinct documents kept parsed and validated (the oldest is dropped beyond this). */
const DOCUMENT_CACHE_SIZE = 500;

interface PreparedDocument {
  document?: DocumentNode;
  errors?: readonly GraphQLError[];
  /** Variables that can change an event's result: those used inside the root fields' selections, directives and fragments. */
  resultVariables?: readonly string[];
}

/**
 * Variables an execution result can depend on. A subscription's root-field
 * arguments (`after`, `filter`) choose which events arrive, not what each
 * one looks like, so two subscribers differing only there share results.
 */
function resultVariables(document: DocumentNode): string[] {
  const names = new Set<string>();
  const collect = (node: ASTNode | undefined) =>
    node &&
    visit(node, {
      Variable(v) {
        names.add(v.name.value);
      },
    });
  for (const def of document.definitions) {
    if (def.kind === Kind.FRAGMENT_DEFINITION) collect(def);
    if (def.kind !== Kind.OPERATION_DEFINITION) continue;
    for (const selection of def.selectionSet.selections) {
      if (selection.kind !== Kind.FIELD) {
        collect(selection);
        continue;
      }
      selection.directives?.forEach(collect);
      collect(selection.selectionSet);
    }
  }
  return [...names].sort();
}

const sharedResults = new WeakMap<object, Map<string, Promise<ExecutionResult>>>();

/**
 * Runs `run` once per (event, key): the first subscriber to reach an event
 * executes it, the others with the same key get the same result. Results live
 * as long as the event object does (it is shared by every subscriber's queue).
 */
function sharedExecution(event: unknown, key: string | null, run: () => Promise<ExecutionResult>): Promise<ExecutionResult> {
  if (key === null || typeof event !== 'object' || event === null) return run();
  let byKey = sharedResults.get(event);
  if (!byKey) sharedResults.set(event, (byKey = new Map()));
  let result = byKey.get(key);
  if (!result) byKey.set(key, (result = run()));
  return result;
}

/** Maps an async iterator like graphql-js does for subscriptions, passing `return()` through so the source is released. */
function mapAsync<T, R>(source: AsyncIterable<T>, map: (value: T) => Promise<R>): AsyncGenerator<R> {
  const it = source[Symbol.asyncIterator]();
  const done = { value: undefined, done: true } as IteratorReturnResult<undefined>;
  const mapped: AsyncGenerator<R> = {
    async next() {
      const r = await it.next();
      if (r.done) return done;
      try {
        return { value: await map(r.value), done: false };
      } catch (err) {
        await it.return?.();
        throw err;
      }
    },
    async return() {
      await it.return?.();
      return done;
    },
    async throw(err) {
      await it.return?.();
      throw err;
    },
    [Symbol.asyncIterator]() {
      return mapped;
    },
    async [Symbol.asyncDispose]() {
      await it.return?.();
    },
  };
  return mapped;
}

/**
 * The authorization string of a connection's `connectionParams`, in the
 * spellings clients commonly send: `authorization` or `Authorization`, at the
 * top level or under `headers` (Apollo Client and urql set-ups copy their HTTP
 * headers there). The top level wins; a non-string value counts as absent.
 */
export function authorizationOf(params: Readonly<Record<string, unknown>> | undefined | null): string | undefined {
  if (!params || typeof params !== 'object') return undefined;
  const headers = params.headers && typeof params.headers === 'object' ? (params.headers as Record<string, unknown>) : {};
  for (const value of [params.authorization, params.Authorization, headers.authorization, headers.Authorization]) {
    if (typeof value === 'string') return value;
  }
  return undefined;
}

export function createGraphQLWebSocketServer(deps: WsDeps): GraphQLWebSocketServer {
  const { schema, ds, services, log } = deps;
  const authenticate = deps.authenticate ?? (async () => ANONYMOUS_VIEWER);
  const rules = [...specifiedRules, ...(deps.validationRules ?? [])];
  const formatter = createErrorFormatter(log, deps.outage);
  const viewers = new WeakMap<object, Viewer>();
  const sockets = new Map<WebSocket, Viewer>();
  // Per connection: subscription id → gives its slot back.
  const releases = new WeakMap<object, Map<string, () => Promise<void>>>();
  const release = (ctx: object, id?: string) => {
    const held = releases.get(ctx);
    if (!held) return;
    for (const [key, give] of held) {
      if (id !== undefined && key !== id) continue;
      held.delete(key);
      give().catch((err: unknown) => log.error('releasing a subscription slot failed', { error: String(err) }));
    }
  };
  // Per connection: operation (graphql-ws message) id → its request id.
  const requestIds = new WeakMap<object, Map<string, string>>();
  const requestIdOf = (ctx: object, id: string) => requestIds.get(ctx)?.get(id);
  // One log line per operation, as on HTTP (observability.ts).
  const opLog = wsOperationLog(log);
  /** Formats an operation's errors, adding its request id to masked ones (and logging which error ids it had). */
  const formatAll = (ctx: object, id: string, errors: readonly GraphQLError[]): GraphQLFormattedError[] => [
    ...withRequestId(
      errors.flatMap((e) => (e.originalError instanceof OperationErrors ? e.originalError.errors.map(format) : [format(e)])),
      requestIdOf(ctx, id),
      log,
      'ws',
    ),
  ];
  let wss: WebSocketServer | null = null;
  let server: { dispose(): void | Promise<void> } | null = null;
  const documents = new Map<string, PreparedDocument>();
  const resultKeys = new WeakMap<object, string | null>();

  const prepare = (query: string): PreparedDocument => {
    const cached = documents.get(query);
    if (cached) return cached;
    let prepared: PreparedDocument;
    try {
      const document = parse(query, deps.maxTokens ? { maxTokens: deps.maxTokens } : undefined);
      const errors = validate(schema, document, rules);
      prepared = errors.length
        ? {
            errors: errors.map(
              (e) =>
                new GraphQLError(e.message, { nodes: e.nodes, extensions: { ...e.extensions, code: ErrorCode.GRAPHQL_VALIDATION_FAILED } }),
            ),
          }
        : { document, resultVariables: resultVariables(document) };
    } catch (err) {
      prepared = { errors: [new GraphQLError((err as Error).message, { extensions: { code: ErrorCode.GRAPHQL_PARSE_FAILED } })] };
    }
    if (documents.size >= DOCUMENT_CACHE_SIZE) documents.delete(documents.keys().next().value!);
    documents.set(query, prepared);
    return prepared;
  };

  /** graphql-js `subscribe`, with one execution per event shared by subscribers whose results would be equal. */
  const subscribe = async (args: ExecutionArgs) => {
    const stream = await createSourceEventStream(args);
    if (!(Symbol.asyncIterator in stream)) return stream;
    const key = resultKeys.get(args.contextValue as object) ?? null;
    return mapAsync(stream as AsyncIterable<unknown>, (event) =>
      sharedExecution(event, key, () => executeThroughOutages({ ...args, rootValue: event })),
    );
  };

  /**
   * Executes one event for its subscribers; when a field could not be read because the database is away,
   * executes it again once it answers (every RETRY_EVENT_MS, for up to MAX_EVENT_RETRY_MS) instead of sending
   * an event with errors: a subscriber's feed may stall through an outage, but never has a hole.
   */
  const executeThroughOutages = async (eventArgs: ExecutionArgs): Promise<ExecutionResult> => {
    const giveUpAt = Date.now() + MAX_EVENT_RETRY_MS;
    for (;;) {
      const result = await execute(eventArgs);
      const cut = result.errors?.find((e) => isConnectionError(e.originalError));
      if (!cut || Date.now() > giveUpAt || !wss) return result;
      deps.outage?.failed(cut.originalError);
      await new Promise((resolve) => setTimeout(resolve, RETRY_EVENT_MS));
    }
  };

  const format = (e: GraphQLError): GraphQLFormattedError => {
    if (e.originalError && !(e.originalError instanceof GraphQLError)) return formatter(e.toJSON(), e.originalError);
    // GraphQL's own execution errors (e.g. a variable of the wrong type) carry no code: they are the caller's input.
    const coded = e.extensions?.code
      ? e
      : new GraphQLError(e.message, { nodes: e.nodes, path: e.path, extensions: { ...e.extensions, code: ErrorCode.BAD_USER_INPUT } });
    return formatter(coded.toJSON(), coded);
  };

  const attach = (httpServer: http.Server) => {
    if (wss) throw new Error('WebSocket server already attached');
    wss = new WebSocketServer({ server: httpServer, path: deps.path ?? '/graphql', maxPayload: MAX_INCOMING_MESSAGE });
    server = useServer<Record<string, unknown>, { socket: WebSocket; request: http.IncomingMessage }>(
      {
        schema,
        onConnect: async (ctx) => {
          const authorization = authorizationOf(ctx.connectionParams) ?? ctx.extra.request.headers.authorization;
          try {
            const viewer = await authenticate(authorization);
            viewers.set(ctx, viewer);
            sockets.set(ctx.extra.socket, viewer);
            return true;
          } catch (err) {
            const socket = ctx.extra.socket;
            if (err instanceof DomainError && err.code === ErrorCode.UNAUTHENTICATED)
              socket.close(CLOSE_CODES.UNAUTHORIZED, closeReason(err.message));
            else if (err instanceof DomainError && err.code === ErrorCode.FORBIDDEN)
              socket.close(CLOSE_CODES.FORBIDDEN, closeReason(err.message));
            else if (isConnectionError(err)) {
              // Only keys not cached before the outage get here (key-cache.ts): a retryable close, logged once per outage.
              deps.outage?.failed(err);
              socket.close(CLOSE_CODES.TRY_AGAIN_LATER, closeReason(serviceUnavailableMessage(deps.outage?.retryAfterSeconds ?? 2)));
            } else {
              log.error('authenticating a WebSocket connection failed', { error: String(err) });
              socket.close(4500, 'Internal server error');
            }
            // graphql-ws then tries to close with 4403 itself; ws ignores a second close.
            return false;
          }
        },
        subscribe,
        onSubscribe: async (ctx, id, payload) => {
          const requestId = randomUUID();
          if (!requestIds.has(ctx)) requestIds.set(ctx, new Map());
          requestIds.get(ctx)!.set(id, requestId);
          const viewer = viewers.get(ctx) ?? ANONYMOUS_VIEWER;
          opLog.start(ctx, id, requestId, viewer);
          const query = deps.trustedDocuments
            ? trustedSource(deps.trustedDocuments, viewer, payload.query, payload.extensions)
            : payload.query;
          if (typeof query !== 'string') return [query];
          const prepared = prepare(query);
          if (prepared.errors) return prepared.errors;
          const document = prepared.document!;
          opLog.operation(ctx, id, getOperationAST(document, payload.operationName));
          let refused: readonly GraphQLError[] | undefined;
          try {
            refused = await deps.checkOperation?.(viewer, document, payload.variables, payload.operationName);
          } catch (err) {
            // E.g. the rate-limit lease could not reach the database: an operation error (SERVICE_UNAVAILABLE), not a closed socket.
            return [new GraphQLError((err as Error).message, { originalError: err as Error })];
          }
          if (refused?.length) return [...refused];
          if (deps.acquireSubscription && getOperationAST(document, payload.operationName)?.operation === 'subscription') {
            try {
              const give = await deps.acquireSubscription(viewer);
              if (!releases.has(ctx)) releases.set(ctx, new Map());
              releases.get(ctx)!.set(id, give);
            } catch (err) {
              return [new GraphQLError((err as Error).message, { originalError: err as Error })];
            }
          }
          const contextValue = createContext(ds, services, viewer, { cache: false, requestId });
          const socket = ctx.extra.socket;
          bindTransport(contextValue, {
            slowConsumer: () => socket.close(CLOSE_CODES.SLOW_CONSUMER, 'Subscriber too slow: reconnect and resume with `after`'),
          });
          // What makes two subscribers' results for one event equal: the operation, the variables the selection
          // uses, and who is asking (resolvers may hide fields by role and scope).
          const variables = payload.variables ?? {};
          resultKeys.set(
            contextValue,
            JSON.stringify([
              query,
              payload.operationName ?? null,
              prepared.resultVariables!.map((name) => [name, variables[name] ?? null]),
              viewer.role,
              [...viewer.scopes].sort(),
              viewer.apiKeyId,
            ]),
          );
          return { schema, document, variableValues: payload.variables, operationName: payload.operationName, contextValue };
        },
        onOperation: (ctx, id, _payload, args, result) => {
          opLog.executing(ctx, id);
          // A subscription that fails before it starts comes back as a plain result; send it as an `error` message
          // (graphql-ws would otherwise send `next` + `complete`), so clients get it in their error handler.
          if (Symbol.asyncIterator in result) return;
          const errors = (result as ExecutionResult).errors;
          if (!errors?.length || getOperationAST(args.document, args.operationName)?.operation !== 'subscription') return;
          return {
            [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(new OperationErrors(errors)) }),
          };
        },
        onNext: (ctx, id, _payload, _args, result) => {
          if (!result.errors?.length) return;
          const errors = formatAll(ctx, id, result.errors);
          opLog.failed(ctx, id, errors);
          return { ...result, errors };
        },
        onError: (ctx, id, _payload, errors) => {
          release(ctx, id);
          const formatted = formatAll(ctx, id, errors);
          opLog.failed(ctx, id, formatted);
          // A refusal ends here; an operation that ran ends in onComplete.
          opLog.endIfRefused(ctx, id);
          requestIds.get(ctx)?.delete(id);
          return formatted;
        },
        onComplete: (ctx, id) => {
          opLog.end(ctx, id);
          release(ctx, id);
          requestIds.get(ctx)?.delete(id);
        },
        onClose: (ctx) => {
          release(ctx);
          sockets.delete(ctx.extra.socket);
        },
      },
      wss,
      deps.keepAliveMs ?? 12_000,
    );
  };

  const dispose = async () => {
    const s = server;
    server = null;
    wss = null;
    await s?.dispose();
  };

  return {
    attach,
    dispose,
    connectionCount: () => wss?.clients.size ?? 0,
    closeConnections(match, code, reason) {
      let closed = 0;
      for (const [socket, viewer] of sockets) {
        if (!match(viewer)) continue;
        socket.close(code, closeReason(reason));
        closed++;
      }
      return closed;
    },
    plugin: {
      async serverWillStart() {
        return {
          async drainServer() {
            await dispose();
          },
        };
      },
    },
  };
}
