/**
 * Compiled reads: a query operation over the graph's tables is answered by one
 * SQL statement that builds the response's JSON in PostgreSQL.
 *
 * - Plans are made once per operation (see plan.ts) and cached with the parsed
 *   document, which Apollo itself caches by query text.
 * - A *pure* plan (every field from SQL) returns the statement's JSON as the
 *   response: no resolver runs.
 * - A *mixed* plan (some field computed in TypeScript, or personal data the
 *   viewer may not read) puts the JSON in the context; graphql-js then runs as
 *   usual, and the wrappers installed by `prepareSchemaForCompiledReads` answer
 *   every compiled field from that JSON, while the other fields' resolvers get
 *   the row they need (`$cg`). Errors (FORBIDDEN at a personal field's path)
 *   therefore come out exactly as without compilation.
 * - Anything unusual (a bad cursor, a wrong global ID, a missing role, invalid
 *   variables) is left to the resolvers, which report it as they always have.
 */
import type { ApolloServerPlugin, GraphQLRequestContextResponseForOperation } from '@apollo/server';
import { HeaderMap } from '@apollo/server';
import {
  defaultFieldResolver,
  isInterfaceType,
  isObjectType,
  Kind,
  visit,
  type DocumentNode,
  type FormattedExecutionResult,
  type FragmentDefinitionNode,
  type GraphQLFieldResolver,
  type GraphQLSchema,
  type GraphQLTypeResolver,
} from 'graphql';
import { getVariableValues } from 'graphql/execution/values';
import type { DataSource } from 'typeorm';
import { queryText } from '../../db/json-query';
import { hasScope, Scope } from '../../modules/auth/viewer';
import type { Context } from '../context';
import { emitStatement, UseResolvers } from './emit';
import { planOperation, type ReadPlan } from './plan';

/** Marks a JSON object built by a mixed plan; its value is the row resolvers of uncompiled fields receive. */
export const COMPILED_ROW = '$cg';

interface DocumentPlans {
  fragments: Record<string, FragmentDefinitionNode>;
  /** Variables whose values change which fields are collected (@include/@skip). */
  directiveVariables: string[];
  plans: Map<string, ReadPlan | null>;
}

const byDocument = new WeakMap<DocumentNode, DocumentPlans>();

function documentPlans(document: DocumentNode): DocumentPlans {
  let entry = byDocument.get(document);
  if (!entry) {
    const fragments: Record<string, FragmentDefinitionNode> = {};
    const directiveVariables = new Set<string>();
    for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
    visit(document, {
      Directive(node) {
        if (node.name.value !== 'include' && node.name.value !== 'skip') return;
        for (const arg of node.arguments ?? []) if (arg.value.kind === Kind.VARIABLE) directiveVariables.add(arg.value.name.value);
      },
    });
    entry = { fragments, directiveVariables: [...directiveVariables], plans: new Map() };
    byDocument.set(document, entry);
  }
  return entry;
}

/** The plan for this request's operation; null when SQL answers no part of it. */
export function planFor(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: GraphQLRequestContextResponseForOperation<Context>['operation'],
  variables: Record<string, unknown>,
  readsPersonalData: boolean,
): ReadPlan | null {
  const entry = documentPlans(document);
  const key = `${operation.name?.value ?? ''}|${readsPersonalData ? 1 : 0}|${entry.directiveVariables.map((v) => (variables[v] ? 1 : 0)).join('')}`;
  let plan = entry.plans.get(key);
  if (plan === undefined) {
    plan = planOperation(schema, entry.fragments, operation, variables, readsPersonalData);
    entry.plans.set(key, plan);
  }
  return plan;
}

/** Apollo plugin: answers query operations from one SQL statement where it can. */
export function compiledReadsPlugin(ds: DataSource): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async responseForOperation(rc) {
          const { operation, document, schema, contextValue: ctx } = rc;
          // No operation when the request names none of several, or one that is not there: Apollo answers that itself.
          if (operation?.operation !== 'query') return null;
          const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], rc.request.variables ?? {});
          // Invalid variables: graphql-js reports them.
          if (coerced.errors) return null;
          const plan = planFor(schema, document, operation, coerced.coerced, hasScope(ctx.viewer, Scope.PII_READ));
          if (!plan) return null;
          let statement;
          try {
            statement = emitStatement(plan, coerced.coerced, ctx.viewer);
          } catch (err) {
            if (err instanceof UseResolvers) return null;
            throw err;
          }
          let text: string;
          try {
            text = await queryText(ds, statement.sql, statement.params);
          } catch (err) {
            // Reported (masked, logged) by graphql-js at each compiled root field's path, as a failing resolver would be.
            ctx.compiled = Object.fromEntries(
              plan.roots.filter((r) => r.kind !== 'resolver').map((r) => [r.key, new CompiledReadFailure(err)]),
            );
            return null;
          }
          if (plan.pure) {
            const data = new RawJson(text) as unknown as Record<string, unknown>;
            return { http: { status: undefined, headers: new HeaderMap() }, body: { kind: 'single', singleResult: { data } } };
          }
          ctx.compiled = JSON.parse(text) as Record<string, unknown>;
          return null;
        },
      };
    },
  };
}

/**
 * A pure plan's `data`: the statement's JSON text, written into the response
 * as it is by `stringifyResult` (no parse, no re-serialisation). Anything else
 * that serialises it gets the parsed value.
 */
export class RawJson {
  constructor(readonly text: string) {}

  toJSON(): unknown {
    return JSON.parse(this.text);
  }
}

/** Apollo's `stringifyResult`: JSON.stringify, except that a pure compiled read's text goes out verbatim. */
export function stringifyResult(result: FormattedExecutionResult): string {
  if (result.data instanceof RawJson && result.errors === undefined && result.extensions === undefined)
    return `{"data":${result.data.text}}\n`;
  return `${JSON.stringify(result)}\n`;
}

/** Stands in for a root field's value when the statement failed; the root field throws its cause. */
class CompiledReadFailure {
  constructor(readonly cause: unknown) {}
}

const applied = new WeakSet<GraphQLSchema>();

/**
 * Lets graphql-js execute over a mixed plan's JSON: root query fields answer
 * from `ctx.compiled`, every other field from its parent's JSON when the
 * parent carries COMPILED_ROW (else, or for a field not in it, its own
 * resolver, given the row), and interfaces resolve from `__typename`.
 * Mutates the schema's resolvers in place; idempotent.
 */
export function prepareSchemaForCompiledReads(schema: GraphQLSchema): GraphQLSchema {
  if (applied.has(schema)) return schema;
  applied.add(schema);
  const query = schema.getQueryType();
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__')) continue;
    if (isInterfaceType(type) && type.resolveType) {
      const resolveType: GraphQLTypeResolver<unknown, unknown> = type.resolveType;
      type.resolveType = (value, ctx, info, abstract) => {
        const v = value as Record<string, unknown> | null;
        if (v && typeof v === 'object' && COMPILED_ROW in v && typeof v.__typename === 'string') return v.__typename;
        return resolveType(value, ctx, info, abstract);
      };
    }
    if (!isObjectType(type) || type === schema.getMutationType() || type === schema.getSubscriptionType()) continue;
    for (const field of Object.values(type.getFields())) {
      const resolve: GraphQLFieldResolver<unknown, unknown> = field.resolve ?? defaultFieldResolver;
      if (type === query) {
        field.resolve = (source, args, ctx, info) => {
          const compiled = (ctx as Context | undefined)?.compiled;
          if (!compiled) return resolve(source, args, ctx, info);
          const key = info.path.key as string;
          if (!(key in compiled)) return resolve(source, args, ctx, info);
          const value = compiled[key];
          if (value instanceof CompiledReadFailure) throw value.cause;
          return value;
        };
      } else {
        field.resolve = (source, args, ctx, info) => {
          if (source !== null && typeof source === 'object' && COMPILED_ROW in source) {
            const json = source as Record<string, unknown>;
            const key = info.path.key as string;
            return key in json ? json[key] : resolve(json[COMPILED_ROW], args, ctx, info);
          }
          return resolve(source, args, ctx, info);
        };
      }
    }
  }
  return schema;
}
