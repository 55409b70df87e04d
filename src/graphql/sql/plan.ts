/**
 * Planning: which part of a query operation the read compiler can answer from
 * SQL, decided once per operation (document, operation name, the values of
 * variables used by @include/@skip, and whether the viewer reads personal
 * data) and cached with the document.
 *
 * Field collection follows graphql-js itself (collectFields/collectSubfields):
 * fragments, inline fragments, aliases, merged fields and @include/@skip mean
 * exactly what they mean to the executor. A field the compiler cannot produce
 * (one computed in TypeScript, or personal data the viewer may not read) is
 * planned as `resolver`: the SQL hands its resolver the row, and graphql-js
 * resolves it as usual.
 */
import {
  getNamedType,
  isAbstractType,
  isObjectType,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { collectFields, collectSubfields } from 'graphql/execution/collectFields';
import type {
  BackReferenceField,
  ColumnField,
  ConnectionField,
  EmbeddedField,
  EmbeddedListField,
  ReferenceField,
  SqlObjectMap,
} from '../../db/sql-map';
import { PERSONAL_EXTENSION } from '../../modules/auth/policy';
import { ROOT_LISTS, SQL_OBJECTS, type RootList } from './registry';

export interface PlannedObject {
  map: SqlObjectMap;
  fields: PlannedField[];
  /** Some field is left to its resolver, which needs the row. */
  needsRow: boolean;
}

export type PlannedField =
  | { key: string; kind: 'typename'; value: string }
  | { key: string; kind: 'id' }
  | { key: string; kind: 'column'; field: ColumnField }
  | { key: string; kind: 'reference'; field: ReferenceField; object: PlannedObject }
  | { key: string; kind: 'backReference'; field: BackReferenceField; object: PlannedObject }
  | { key: string; kind: 'embedded'; field: EmbeddedField; object: PlannedObject }
  | { key: string; kind: 'embeddedList'; field: EmbeddedListField; object: PlannedObject }
  | { key: string; kind: 'connection'; connection: PlannedConnection }
  | { key: string; kind: 'resolver' };

export type ConnectionPart =
  | { key: string; kind: 'typename'; value: string }
  | { key: string; kind: 'totalCount' }
  | { key: string; kind: 'nodes'; object: PlannedObject }
  | { key: string; kind: 'edges'; parts: EdgePart[] }
  | { key: string; kind: 'pageInfo'; parts: PageInfoPart[] };

export type EdgePart =
  { key: string; kind: 'typename'; value: string } | { key: string; kind: 'cursor' } | { key: string; kind: 'node'; object: PlannedObject };

export type PageInfoPart =
  { key: string; kind: 'typename'; value: string } | { key: string; kind: 'hasNextPage' | 'hasPreviousPage' | 'startCursor' | 'endCursor' };

export interface PlannedConnection {
  /** A child list (its parent column and ordering) or a root list. */
  source: { kind: 'child'; field: ConnectionField } | { kind: 'root'; list: RootList };
  target: SqlObjectMap;
  /** Where the arguments come from, evaluated per request. */
  fieldDef: GraphQLField<unknown, unknown>;
  fieldNode: FieldNode;
  /** Prefix of argument names in error messages (`holdings.`). */
  argPrefix: string;
  parts: ConnectionPart[];
  /** Cursors are selected (edges.cursor, startCursor or endCursor). */
  needsCursor: boolean;
  /** Rows of the page are selected (not only totalCount). */
  needsRows: boolean;
}

export type PlannedRoot =
  | { key: string; kind: 'typename' }
  | { key: string; kind: 'list'; connection: PlannedConnection }
  | { key: string; kind: 'one'; object: PlannedObject; fieldDef: GraphQLField<unknown, unknown>; fieldNode: FieldNode }
  | { key: string; kind: 'node'; objects: Map<string, PlannedObject>; fieldDef: GraphQLField<unknown, unknown>; fieldNode: FieldNode }
  | { key: string; kind: 'nodes'; objects: Map<string, PlannedObject>; fieldDef: GraphQLField<unknown, unknown>; fieldNode: FieldNode }
  | { key: string; kind: 'resolver' };

export interface ReadPlan {
  roots: PlannedRoot[];
  /** Every field comes from SQL: the statement's JSON is the whole `data`. */
  pure: boolean;
  /** Root fields the SQL answers (the others run their resolvers). */
  compiledRootFields: string[];
}

/** The json_build_object limit (100 arguments) leaves room for this many keys. */
const MAX_KEYS = 48;

class NotCompiled extends Error {}

interface PlanContext {
  schema: GraphQLSchema;
  fragments: Record<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
  readsPersonalData: boolean;
  /** Set when any field is left to a resolver. */
  mixed: boolean;
}

function fieldsOf(ctx: PlanContext, type: GraphQLObjectType, nodes: readonly FieldNode[]): Map<string, readonly FieldNode[]> {
  return collectSubfields(ctx.schema, ctx.fragments, ctx.variables, type, nodes);
}

function assertKeys(map: Map<string, unknown>): void {
  if (map.size > MAX_KEYS) throw new NotCompiled();
  for (const key of map.keys()) if (key.startsWith('__') && key !== '__typename') throw new NotCompiled();
}

function planObject(ctx: PlanContext, type: GraphQLObjectType, nodes: readonly FieldNode[]): PlannedObject {
  const map = SQL_OBJECTS.get(type.name);
  if (!map) throw new NotCompiled();
  const selected = fieldsOf(ctx, type, nodes);
  assertKeys(selected);
  const fields: PlannedField[] = [];
  let needsRow = false;
  for (const [key, fieldNodes] of selected) {
    const name = fieldNodes[0].name.value;
    if (name === '__typename') {
      fields.push({ key, kind: 'typename', value: type.name });
      continue;
    }
    const def = type.getFields()[name];
    const mapped = name === 'id' ? undefined : map.fields[name];
    if (def.extensions?.[PERSONAL_EXTENSION] && !ctx.readsPersonalData) {
      // Its resolver answers null with FORBIDDEN at this path.
      fields.push({ key, kind: 'resolver' });
      needsRow = true;
      continue;
    }
    if (name === 'id') {
      fields.push({ key, kind: 'id' });
      continue;
    }
    if (!mapped) {
      fields.push({ key, kind: 'resolver' });
      needsRow = true;
      continue;
    }
    switch (mapped.kind) {
      case 'column':
        fields.push({ key, kind: 'column', field: mapped });
        break;
      case 'reference':
      case 'backReference':
      case 'embedded':
      case 'embeddedList': {
        const target = objectType(ctx, mapped.target);
        fields.push({ key, kind: mapped.kind, field: mapped, object: planObject(ctx, target, fieldNodes) } as PlannedField);
        break;
      }
      case 'connection':
        fields.push({
          key,
          kind: 'connection',
          connection: planConnection(ctx, { kind: 'child', field: mapped }, mapped.target, def, fieldNodes, `${name}.`),
        });
        break;
    }
  }
  if (needsRow) ctx.mixed = true;
  return { map, fields, needsRow };
}

function objectType(ctx: PlanContext, name: string): GraphQLObjectType {
  const type = ctx.schema.getType(name);
  if (!isObjectType(type)) throw new NotCompiled();
  return type;
}

function typename(key: string, value: string) {
  return { key, kind: 'typename' as const, value };
}

function planConnection(
  ctx: PlanContext,
  source: PlannedConnection['source'],
  targetName: string,
  fieldDef: GraphQLField<unknown, unknown>,
  fieldNodes: readonly FieldNode[],
  argPrefix: string,
): PlannedConnection {
  const target = SQL_OBJECTS.get(targetName);
  const connectionType = getNamedType(fieldDef.type);
  if (!target || !isObjectType(connectionType)) throw new NotCompiled();
  const nodeType = objectType(ctx, targetName);
  const selected = fieldsOf(ctx, connectionType, fieldNodes);
  assertKeys(selected);
  const parts: ConnectionPart[] = [];
  let needsCursor = false;
  let needsRows = false;
  for (const [key, nodes] of selected) {
    const name = nodes[0].name.value;
    if (name === '__typename') parts.push(typename(key, connectionType.name));
    else if (name === 'totalCount') parts.push({ key, kind: 'totalCount' });
    else if (name === 'nodes') {
      needsRows = true;
      parts.push({ key, kind: 'nodes', object: planObject(ctx, nodeType, nodes) });
    } else if (name === 'edges') {
      needsRows = true;
      const edgeType = getNamedType(connectionType.getFields().edges.type) as GraphQLObjectType;
      const edgeFields = fieldsOf(ctx, edgeType, nodes);
      assertKeys(edgeFields);
      const edgeParts: EdgePart[] = [];
      for (const [edgeKey, edgeNodes] of edgeFields) {
        const edgeName = edgeNodes[0].name.value;
        if (edgeName === '__typename') edgeParts.push(typename(edgeKey, edgeType.name));
        else if (edgeName === 'cursor') {
          needsCursor = true;
          edgeParts.push({ key: edgeKey, kind: 'cursor' });
        } else if (edgeName === 'node') edgeParts.push({ key: edgeKey, kind: 'node', object: planObject(ctx, nodeType, edgeNodes) });
        else throw new NotCompiled();
      }
      parts.push({ key, kind: 'edges', parts: edgeParts });
    } else if (name === 'pageInfo') {
      needsRows = true;
      const pageInfoType = getNamedType(connectionType.getFields().pageInfo.type) as GraphQLObjectType;
      const infoFields = fieldsOf(ctx, pageInfoType, nodes);
      const infoParts: PageInfoPart[] = [];
      for (const [infoKey, infoNodes] of infoFields) {
        const infoName = infoNodes[0].name.value;
        if (infoName === '__typename') infoParts.push(typename(infoKey, pageInfoType.name));
        else if (infoName === 'hasNextPage' || infoName === 'hasPreviousPage') infoParts.push({ key: infoKey, kind: infoName });
        else if (infoName === 'startCursor' || infoName === 'endCursor') {
          needsCursor = true;
          infoParts.push({ key: infoKey, kind: infoName });
        } else throw new NotCompiled();
      }
      parts.push({ key, kind: 'pageInfo', parts: infoParts });
    } else throw new NotCompiled();
  }
  return { source, target, fieldDef, fieldNode: fieldNodes[0], argPrefix, parts, needsCursor, needsRows };
}

/** Node types the compiler can answer `node(id:)` for, each with the selection planned for it. */
function planNodeObjects(
  ctx: PlanContext,
  fieldDef: GraphQLField<unknown, unknown>,
  nodes: readonly FieldNode[],
): Map<string, PlannedObject> {
  const out = new Map<string, PlannedObject>();
  const abstract = getNamedType(fieldDef.type);
  if (!isAbstractType(abstract)) throw new NotCompiled();
  for (const type of ctx.schema.getPossibleTypes(abstract)) {
    if (SQL_OBJECTS.has(type.name)) out.set(type.name, planObject(ctx, type, nodes));
  }
  return out;
}

/**
 * Plans a query operation; null when no root field can come from SQL (the
 * operation then runs entirely through its resolvers).
 */
export function planOperation(
  schema: GraphQLSchema,
  fragments: Record<string, FragmentDefinitionNode>,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
  readsPersonalData: boolean,
): ReadPlan | null {
  if (operation.operation !== 'query') return null;
  const queryType = schema.getQueryType();
  if (!queryType) return null;
  const ctx: PlanContext = { schema, fragments, variables, readsPersonalData, mixed: false };
  const roots: PlannedRoot[] = [];
  const compiledRootFields: string[] = [];
  for (const [key, nodes] of collectFields(schema, fragments, variables, queryType, operation.selectionSet)) {
    const name = nodes[0].name.value;
    if (name === '__schema' || name === '__type') return null;
    if (name === '__typename') {
      roots.push({ key, kind: 'typename' });
      continue;
    }
    const fieldDef = queryType.getFields()[name];
    try {
      const list = ROOT_LISTS.get(name);
      if (list) {
        roots.push({ key, kind: 'list', connection: planConnection(ctx, { kind: 'root', list }, list.target, fieldDef, nodes, '') });
      } else if (name === 'customer') {
        roots.push({ key, kind: 'one', object: planObject(ctx, objectType(ctx, 'Customer'), nodes), fieldDef, fieldNode: nodes[0] });
      } else if (name === 'node' || name === 'nodes') {
        roots.push({ key, kind: name, objects: planNodeObjects(ctx, fieldDef, nodes), fieldDef, fieldNode: nodes[0] });
      } else {
        throw new NotCompiled();
      }
      compiledRootFields.push(name);
    } catch (err) {
      if (!(err instanceof NotCompiled)) throw err;
      roots.push({ key, kind: 'resolver' });
      ctx.mixed = true;
    }
  }
  if (compiledRootFields.length === 0) return null;
  return { roots, pure: !ctx.mixed, compiledRootFields };
}
