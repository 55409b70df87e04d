/**
 * Query limits: every operation is measured before any resolver runs, and one
 * over a limit is refused with QUERY_TOO_COMPLEX, `extensions.limit` naming
 * the limit, `max` its value and `actual` what the operation asked for.
 *
 * - tokens: graphql-js's own `maxTokens` parse option stops the lexer early,
 *   so a huge document costs no more than the limit to reject;
 * - depth, aliases, directives: graphql-armor's validation rules (maintained,
 *   plain graphql-js rules, so HTTP and WebSocket share them);
 * - cost: graphql-query-complexity with a connection-aware estimator — a
 *   connection's `first`/`last` (default page size when absent) multiplies the
 *   cost of everything selected inside it, `nodes(ids:)` multiplies by the
 *   number of ids, every object costs 1, scalars 0, and a field may declare its
 *   own cost with type-graphql's `complexity` option.
 * The HTTP body size and batching limits live in http.ts; their figures are here.
 *
 * Also refused here, as BAD_USER_INPUT: strings containing U+0000, which
 * PostgreSQL cannot store in text and would otherwise surface as an internal error.
 */
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import type { ApolloServerPlugin } from '@apollo/server';
import {
  getNamedType,
  GraphQLError,
  isLeafType,
  isListType,
  isNonNullType,
  Lexer,
  Source,
  TokenKind,
  type ASTNode,
  type DocumentNode,
  type GraphQLSchema,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { fieldExtensionsEstimator, getComplexity, type ComplexityEstimator } from 'graphql-query-complexity';
import { DEFAULT_PAGE_SIZE } from '../shared/pagination';
import type { RateLimitDecision } from '../modules/auth/rate-limit';
import type { Viewer } from '../modules/auth/viewer';
import { ErrorCode, errorKind } from '../shared/errors';

export interface QueryLimits {
  /** Most lexical tokens in one document. */
  maxTokens: number;
  /** Deepest field nesting (fragments count as the fields they hold). */
  maxDepth: number;
  /** Most aliased fields in one operation. */
  maxAliases: number;
  /** Most directives in one operation. */
  maxDirectives: number;
  /** Highest cost (see the module comment). */
  maxCost: number;
  /** Largest HTTP request body, in bytes. */
  maxBodyBytes: number;
}

/** The limits in force; docs/security.md explains each figure. */
export const DEFAULT_QUERY_LIMITS: QueryLimits = {
  maxTokens: 2_000,
  maxDepth: 10,
  maxAliases: 20,
  maxDirectives: 20,
  maxCost: 10_000,
  maxBodyBytes: 1_048_576,
};

export type LimitName = 'tokens' | 'depth' | 'aliases' | 'directives' | 'cost' | 'bodyBytes';

const LIMIT_WORDS: Record<LimitName, string> = {
  tokens: 'tokens',
  depth: 'levels of nesting',
  aliases: 'aliases',
  directives: 'directives',
  cost: 'cost points',
  bodyBytes: 'bytes in the request body',
};

/**
 * An error raised by the checks in this module: DomainError's counterpart for
 * validation rules, which must report GraphQLErrors. Its code is final (Apollo
 * files validation errors under GRAPHQL_VALIDATION_FAILED; the formatter restores it).
 */
export class QueryGuardError extends GraphQLError {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options: { nodes?: readonly ASTNode[]; extensions?: Record<string, unknown> } = {},
  ) {
    super(message, { nodes: options.nodes, extensions: { code, ...options.extensions } });
  }
}

/** The QUERY_TOO_COMPLEX error for one limit. */
export function tooComplex(limit: LimitName, max: number, actual: number, extra: Record<string, unknown> = {}): QueryGuardError {
  const hint =
    limit === 'cost'
      ? ' Ask for smaller pages (`first`/`last`) or fewer nested lists.'
      : limit === 'tokens'
        ? ' Pass large inputs as variables.'
        : '';
  return new QueryGuardError(
    ErrorCode.QUERY_TOO_COMPLEX,
    `The operation has ${actual} ${LIMIT_WORDS[limit]}; at most ${max} are allowed.${hint}`,
    {
      extensions: { limit, max, actual, ...extra },
    },
  );
}

/** An armor rule whose rejection is reported as our QUERY_TOO_COMPLEX error (armor exposes the figures only in its message). */
function armorRule(
  limit: LimitName,
  max: number,
  make: (opts: {
    n: number;
    propagateOnRejection: boolean;
    onReject: ((ctx: ValidationContext | null, err: GraphQLError) => void)[];
  }) => ValidationRule,
): ValidationRule {
  return make({
    n: max,
    propagateOnRejection: false,
    onReject: [
      (ctx, err) => {
        const found = /found (\d+)/.exec(err.message);
        ctx?.reportError(tooComplex(limit, max, found ? Number(found[1]) : max + 1));
      },
    ],
  });
}

/** Rejects string literals holding U+0000 (PostgreSQL text cannot store it). */
const noNulInStringLiterals: ValidationRule = (ctx) => ({
  StringValue(node) {
    if (node.value.includes('\u0000')) {
      ctx.reportError(
        new QueryGuardError(ErrorCode.BAD_USER_INPUT, 'Strings may not contain the NUL character (U+0000).', { nodes: [node] }),
      );
    }
  },
});

/** Validation rules for depth, aliases, directives and NUL characters; add them to graphql-js `validate` (HTTP and WebSocket). */
export function limitValidationRules(limits: QueryLimits = DEFAULT_QUERY_LIMITS): ValidationRule[] {
  return [
    armorRule(
      'depth',
      limits.maxDepth,
      (o) => maxDepthRule({ ...o, ignoreIntrospection: true, flattenFragments: true }) as unknown as ValidationRule,
    ),
    armorRule('aliases', limits.maxAliases, (o) => maxAliasesRule(o) as unknown as ValidationRule),
    armorRule('directives', limits.maxDirectives, (o) => maxDirectivesRule(o) as unknown as ValidationRule),
    noNulInStringLiterals,
  ];
}

const MAX_MULTIPLIER = 1_000_000;

function multiplierFrom(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? Math.min(Math.max(0, Math.trunc(value)), MAX_MULTIPLIER) : null;
}

/** Connections: `first`/`last` (or the default page size) times what is selected inside. */
const connectionEstimator: ComplexityEstimator = ({ field, args, childComplexity }) => {
  if (!getNamedType(field.type).name.endsWith('Connection') || !field.args.some((a) => a.name === 'first' || a.name === 'last'))
    return undefined;
  const n = multiplierFrom(args.first) ?? multiplierFrom(args.last) ?? DEFAULT_PAGE_SIZE;
  return 1 + n * childComplexity;
};

/** A list fetched by a list of keys (e.g. `nodes(ids:)`): one item per key. */
const keyedListEstimator: ComplexityEstimator = ({ field, args, childComplexity }) => {
  const type = isNonNullType(field.type) ? field.type.ofType : field.type;
  if (!isListType(type)) return undefined;
  const keys = field.args.find((a) => Array.isArray(args[a.name]));
  if (!keys) return undefined;
  return 1 + (args[keys.name] as unknown[]).length * Math.max(1, childComplexity);
};

/** Everything else: an object costs 1 plus its selection, a scalar 0. */
const defaultEstimator: ComplexityEstimator = ({ field, childComplexity }) =>
  isLeafType(getNamedType(field.type)) ? 0 : 1 + childComplexity;

export const COST_ESTIMATORS: ComplexityEstimator[] = [
  fieldExtensionsEstimator(),
  connectionEstimator,
  keyedListEstimator,
  defaultEstimator,
];

/** Fields the cost walk may visit before it gives up (defends against fragment fan-out). */
const MAX_COST_NODES = 10_000;

/**
 * The operation's cost, or null when the variables do not fit the operation
 * (execution then reports that as a variable error, before any resolver).
 * Throws QUERY_TOO_COMPLEX when the walk visits more than MAX_COST_NODES fields.
 */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown> | undefined,
  operationName: string | null | undefined,
): number | null {
  try {
    return getComplexity({
      schema,
      query: document,
      variables: variables ?? {},
      operationName: operationName ?? undefined,
      estimators: COST_ESTIMATORS,
      maxQueryNodes: MAX_COST_NODES,
    });
  } catch (err) {
    if (err instanceof GraphQLError && /maximum allowed number of nodes/.test(err.message))
      throw tooComplex('cost', MAX_COST_NODES, MAX_COST_NODES + 1, { measure: 'fields visited' });
    return null;
  }
}

/** Throws BAD_USER_INPUT naming the variable when a string anywhere in `variables` holds U+0000. */
export function assertNoNulInVariables(variables: unknown, path = 'variables'): void {
  const stack: [unknown, string][] = [[variables, path]];
  while (stack.length) {
    const [value, at] = stack.pop()!;
    if (typeof value === 'string') {
      if (value.includes('\u0000'))
        throw new QueryGuardError(ErrorCode.BAD_USER_INPUT, 'Strings may not contain the NUL character (U+0000).', {
          extensions: { field: at },
        });
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => stack.push([v, `${at}[${i}]`]));
    } else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) stack.push([v, `${at}.${k}`]);
    }
  }
}

/**
 * The checks that need the variables (cost, NUL characters), for a parsed and
 * validated operation. Returns the errors; empty means go ahead. WebSocket
 * servers call this from `onSubscribe` after validating with limitValidationRules.
 */
export function checkOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown> | undefined | null,
  operationName: string | null | undefined,
  limits: QueryLimits = DEFAULT_QUERY_LIMITS,
): GraphQLError[] {
  try {
    assertNoNulInVariables(variables ?? {});
    const cost = operationCost(schema, document, variables ?? undefined, operationName);
    if (cost !== null && cost > limits.maxCost) return [tooComplex('cost', limits.maxCost, cost)];
    return [];
  } catch (err) {
    if (err instanceof GraphQLError) return [err];
    throw err;
  }
}

/** Counts the tokens of a document (for the figure in a token-limit error); stops at the first lexical error. */
export function countTokens(body: string): number {
  const lexer = new Lexer(new Source(body));
  let n = 0;
  try {
    while (lexer.advance().kind !== TokenKind.EOF) n++;
  } catch {
    // A lexical error ends the count; the figure is still a lower bound.
  }
  return n;
}

// graphql-js 16 words it "more that N tokens"; accept the corrected spelling too.
const TOKEN_LIMIT_MESSAGE = /Document contains more th(?:at|an) (\d+) tokens/;

/**
 * Turns graphql-js's "Document contains more than N tokens" syntax error into
 * QUERY_TOO_COMPLEX with the actual count; null for any other error.
 */
export function tokenLimitError(error: unknown): GraphQLError | null {
  const candidates = [error, (error as { originalError?: unknown })?.originalError];
  for (const e of candidates) {
    if (!(e instanceof GraphQLError)) continue;
    const m = TOKEN_LIMIT_MESSAGE.exec(e.message);
    if (m) return tooComplex('tokens', Number(m[1]), e.source ? countTokens(e.source.body) : Number(m[1]) + 1);
  }
  return null;
}

/** Apollo plugin: the cost and NUL-in-variables checks, after validation and before execution. */
export function limitsPlugin<TContext extends object>(limits: QueryLimits = DEFAULT_QUERY_LIMITS): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, request, operationName }) {
          const errors = checkOperation(schema, document, request.variables, operationName ?? request.operationName, limits);
          if (errors.length) {
            const e = errors[0];
            const status = e instanceof QueryGuardError ? errorKind(e.code).httpStatus : undefined;
            throw new GraphQLError(e.message, { extensions: { ...e.extensions, http: { status: status ?? 400 } } });
          }
        },
      };
    },
  };
}

/**
 * The per-operation check for WebSocket servers: cost and NUL characters
 * (checkOperation), then one request from the viewer's rate-limit bucket
 * (RATE_LIMITED with retryAfter when empty). Depth, aliases and directives are
 * validation rules (limitValidationRules) and tokens a parse option.
 */
export function webSocketOperationCheck(
  schema: GraphQLSchema,
  limits: QueryLimits,
  rateLimit?: (viewer: Viewer) => Promise<RateLimitDecision>,
): (
  viewer: Viewer,
  document: DocumentNode,
  variables: Record<string, unknown> | null | undefined,
  operationName: string | null | undefined,
) => Promise<GraphQLError[]> {
  return async (viewer, document, variables, operationName) => {
    if (rateLimit) {
      const d = await rateLimit(viewer);
      if (!d.allowed) {
        return [
          new QueryGuardError(
            ErrorCode.RATE_LIMITED,
            `Too many requests: this API key may make ${d.limit} a minute. Retry in ${d.retryAfterSeconds} s.`,
            {
              extensions: { retryAfter: d.retryAfterSeconds, limit: d.limit },
            },
          ),
        ];
      }
    }
    return checkOperation(schema, document, variables, operationName, limits);
  };
}
