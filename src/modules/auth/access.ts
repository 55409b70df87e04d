/**
 * The one place authorization is enforced. `applyAccessPolicy` walks the built
 * schema once and wraps:
 *   - every root field (resolve, or subscribe for subscriptions) with the role
 *     check from policy.ts: no key → UNAUTHENTICATED, wrong role → FORBIDDEN;
 *   - every field marked `@Personal()` with the `pii:read` check: without it
 *     the field is null with a FORBIDDEN error at its path;
 *   - every field with an argument that can carry a `@SearchesPersonalData()`
 *     input field with the same check on the arguments actually sent.
 * Introspection (`__schema`, `__type`, `__typename`) is untouched, so anyone
 * may read the schema. The rules are appended to the field descriptions, so
 * the SDL documents them.
 *
 * Because it wraps the schema itself, the same checks run for HTTP and
 * WebSocket operations alike; the context must carry `viewer` (a missing
 * viewer counts as anonymous).
 */
import {
  defaultFieldResolver,
  getNamedType,
  GraphQLError,
  isInputObjectType,
  isNonNullType,
  isObjectType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLFieldResolver,
  type GraphQLInputType,
  type GraphQLResolveInfo,
  type GraphQLSchema,
} from 'graphql';
import { ErrorCode } from '../../shared/errors';
import {
  DEFAULT_ROOT_ROLES,
  PERSONAL_DATA_SCOPE,
  PERSONAL_EXTENSION,
  ROLE_SUMMARY,
  rolesFor,
  scopeGrantFor,
  SEARCHES_PERSONAL_EXTENSION,
} from './policy';
import { ANONYMOUS_VIEWER, hasScope, Role, type Viewer } from './viewer';

type OperationTypeName = 'Query' | 'Mutation' | 'Subscription';

const applied = new WeakSet<GraphQLSchema>();

function viewerOf(ctx: unknown): Viewer {
  return (ctx as { viewer?: Viewer } | null | undefined)?.viewer ?? ANONYMOUS_VIEWER;
}

/** UNAUTHENTICATED or FORBIDDEN when `viewer` may not use the root field `coordinate`. */
export function assertRootFieldAllowed(viewer: Viewer, operationType: OperationTypeName, field: string): void {
  const roles = rolesFor(operationType, field);
  if (viewer.role === Role.ANONYMOUS) {
    throw new GraphQLError('This operation needs an API key: send it as `Authorization: Bearer <key>`.', {
      extensions: { code: ErrorCode.UNAUTHENTICATED },
    });
  }
  if (!roles.includes(viewer.role)) {
    const grant = scopeGrantFor(operationType, field);
    if (grant && grant.roles.includes(viewer.role) && hasScope(viewer, grant.scope)) return;
    const orScope = grant ? `, or to ${grant.roles.join(', ')} keys with the \`${grant.scope}\` scope` : '';
    throw new GraphQLError(`A ${viewer.role} key may not use ${operationType}.${field}; it is open to ${roles.join(', ')}${orScope}.`, {
      extensions: { code: ErrorCode.FORBIDDEN, role: viewer.role, allowedRoles: [...roles], ...(grant ? { scope: grant.scope } : {}) },
    });
  }
}

function personalDataError(what: string): GraphQLError {
  return new GraphQLError(`${what} is personal data; the API key needs the \`${PERSONAL_DATA_SCOPE}\` scope to read it.`, {
    extensions: { code: ErrorCode.FORBIDDEN, scope: PERSONAL_DATA_SCOPE },
  });
}

/** Paths from a field's arguments to input fields marked as searching personal data. */
type SearchPath = { arg: string; steps: string[]; coordinate: string };

function searchPathsOf(args: readonly GraphQLArgument[]): SearchPath[] {
  const out: SearchPath[] = [];
  const walk = (type: GraphQLInputType, arg: string, steps: string[], seen: Set<string>) => {
    const named = getNamedType(type);
    if (!isInputObjectType(named) || seen.has(named.name)) return;
    const nextSeen = new Set(seen).add(named.name);
    for (const f of Object.values(named.getFields())) {
      if (f.extensions?.[SEARCHES_PERSONAL_EXTENSION]) out.push({ arg, steps: [...steps, f.name], coordinate: `${named.name}.${f.name}` });
      walk(f.type, arg, [...steps, f.name], nextSeen);
    }
  };
  for (const a of args) walk(a.type, a.name, [], new Set());
  return out;
}

/** True when the argument value reaches a non-null value at `steps` (lists are searched item by item). */
function usesPath(value: unknown, steps: readonly string[]): boolean {
  if (value === null || value === undefined) return false;
  if (Array.isArray(value)) return value.some((v) => usesPath(v, steps));
  if (steps.length === 0) return true;
  if (typeof value !== 'object') return false;
  return usesPath((value as Record<string, unknown>)[steps[0]], steps.slice(1));
}

function appendDescription(field: { description?: string | null }, sentence: string): void {
  field.description = field.description ? `${field.description}\n\n${sentence}` : sentence;
}

function wrapRootField(field: GraphQLField<unknown, unknown>, operationType: OperationTypeName, searchPaths: SearchPath[]): void {
  const roles = rolesFor(operationType, field.name);
  const check = (args: Record<string, unknown>, ctx: unknown) => {
    const viewer = viewerOf(ctx);
    assertRootFieldAllowed(viewer, operationType, field.name);
    assertNoPersonalSearch(viewer, args, searchPaths);
  };
  if (operationType === 'Subscription') {
    const subscribe = field.subscribe;
    if (subscribe) {
      field.subscribe = (source, args, ctx, info) => {
        check(args, ctx);
        return subscribe(source, args, ctx, info);
      };
    }
  } else {
    const resolve: GraphQLFieldResolver<unknown, unknown> = field.resolve ?? defaultFieldResolver;
    field.resolve = (source, args, ctx, info) => {
      check(args, ctx);
      return resolve(source, args, ctx, info);
    };
  }
  const grant = scopeGrantFor(operationType, field.name);
  appendDescription(
    field,
    `Roles: ${roles.join(', ')}${grant ? `; also ${grant.roles.join(', ')} keys with the \`${grant.scope}\` scope` : ''}.`,
  );
}

function assertNoPersonalSearch(viewer: Viewer, args: Record<string, unknown>, paths: readonly SearchPath[]): void {
  if (!paths.length || hasScope(viewer, PERSONAL_DATA_SCOPE)) return;
  for (const p of paths) {
    if (usesPath(args[p.arg], p.steps)) throw personalDataError(`Filtering by ${p.coordinate}`);
  }
}

/**
 * Enforces policy.ts on `schema` (mutating its resolvers and descriptions in
 * place) and returns it. Idempotent. Throws at build time when a field marked
 * personal is non-null, because hiding it would null its parent.
 */
export function applyAccessPolicy(schema: GraphQLSchema): GraphQLSchema {
  if (applied.has(schema)) return schema;
  applied.add(schema);
  const roots = new Map<unknown, OperationTypeName>();
  if (schema.getQueryType()) roots.set(schema.getQueryType(), 'Query');
  if (schema.getMutationType()) roots.set(schema.getMutationType(), 'Mutation');
  if (schema.getSubscriptionType()) roots.set(schema.getSubscriptionType(), 'Subscription');

  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    const operationType = roots.get(type);
    for (const field of Object.values(type.getFields())) {
      const searchPaths = searchPathsOf(field.args);
      if (operationType) {
        wrapRootField(field, operationType, searchPaths);
        continue;
      }
      if (searchPaths.length) {
        const resolve: GraphQLFieldResolver<unknown, unknown> = field.resolve ?? defaultFieldResolver;
        field.resolve = (source, args, ctx, info) => {
          assertNoPersonalSearch(viewerOf(ctx), args, searchPaths);
          return resolve(source, args, ctx, info);
        };
      }
      if (field.extensions?.[PERSONAL_EXTENSION]) {
        if (isNonNullType(field.type)) {
          throw new Error(
            `${type.name}.${field.name} is marked @Personal() but is non-null; make it nullable so hiding it does not null its parent.`,
          );
        }
        const coordinate = `${type.name}.${field.name}`;
        const resolve: GraphQLFieldResolver<unknown, unknown> = field.resolve ?? defaultFieldResolver;
        field.resolve = (source, args, ctx, info: GraphQLResolveInfo) => {
          if (!hasScope(viewerOf(ctx), PERSONAL_DATA_SCOPE)) throw personalDataError(coordinate);
          return resolve(source, args, ctx, info);
        };
        appendDescription(
          field,
          `Personal data: needs the \`${PERSONAL_DATA_SCOPE}\` scope; without it the value is null with a FORBIDDEN error at this path.`,
        );
      }
    }
  }
  markSearchInputs(schema);
  const query = schema.getQueryType();
  if (query) appendDescription(query, roleMatrixDescription());
  return schema;
}

function markSearchInputs(schema: GraphQLSchema): void {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isInputObjectType(type)) continue;
    for (const f of Object.values(type.getFields())) {
      if (f.extensions?.[SEARCHES_PERSONAL_EXTENSION]) {
        appendDescription(f, `Searches personal data: needs the \`${PERSONAL_DATA_SCOPE}\` scope (FORBIDDEN otherwise).`);
      }
    }
  }
}

/** The role matrix in words, used as the Query type's description. */
export function roleMatrixDescription(): string {
  const lines = [
    'Access is by API key (`Authorization: Bearer <key>` over HTTP, `connectionParams.authorization` over WebSocket); each root field lists the roles it is open to.',
    '',
    ...(Object.keys(ROLE_SUMMARY) as Role[]).map((r) => `- ${r}: ${ROLE_SUMMARY[r]}`),
    '',
    `Every root field's description ends with the roles it is open to (a role not listed gets FORBIDDEN, a request without a key UNAUTHENTICATED). Fields marked "Personal data" need the \`${PERSONAL_DATA_SCOPE}\` scope. New root fields start closed: reads open to ${DEFAULT_ROOT_ROLES.Query.join(', ')}, writes to ${DEFAULT_ROOT_ROLES.Mutation.join(', ')}.`,
  ];
  return lines.join('\n');
}

/** Every field marked personal, as `Type.field` (for the authorization matrix test and docs). */
export function personalFields(schema: GraphQLSchema): string[] {
  const out: string[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const f of Object.values(type.getFields())) if (f.extensions?.[PERSONAL_EXTENSION]) out.push(`${type.name}.${f.name}`);
  }
  return out.sort();
}
