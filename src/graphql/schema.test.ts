/**
 * Schema quality rules every module must keep: everything a client can see is
 * described, enum values are SCREAMING_CASE, lists of objects that can grow are
 * Relay connections, and the committed SDL matches the code.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  getNamedType,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isObjectType,
  isScalarType,
  isSpecifiedScalarType,
  isUnionType,
  type GraphQLNamedType,
} from 'graphql';
import { getSchema, printSchemaSdl } from './schema';

const schema = getSchema();
const ownTypes: GraphQLNamedType[] = Object.values(schema.getTypeMap()).filter(
  (t) => !t.name.startsWith('__') && !isSpecifiedScalarType(t),
);

/** Every place a description is owed, with what it currently says. */
function describedThings(): { where: string; description: string | null | undefined }[] {
  const out: { where: string; description: string | null | undefined }[] = [];
  for (const type of ownTypes) {
    out.push({ where: type.name, description: type.description });
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        out.push({ where: `${type.name}.${field.name}`, description: field.description });
        for (const arg of field.args) out.push({ where: `${type.name}.${field.name}(${arg.name})`, description: arg.description });
      }
    }
    if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields()))
        out.push({ where: `${type.name}.${field.name}`, description: field.description });
    }
    if (isEnumType(type)) {
      for (const value of type.getValues()) out.push({ where: `${type.name}.${value.name}`, description: value.description });
    }
  }
  return out;
}

describe('schema descriptions', () => {
  it('covers a real schema (the walk below is not vacuous)', () => {
    const names = ownTypes.map((t) => t.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'Customer',
        'Persona',
        'Product',
        'Holding',
        'Purchase',
        'Touchpoint',
        'Referral',
        'StageChange',
        'LifecycleStage',
        'Money',
      ]),
    );
    expect(describedThings().length).toBeGreaterThan(200);
  });

  it('describes every type, field, argument, input field and enum value', () => {
    const missing = describedThings()
      .filter((d) => !d.description || d.description.trim().length < 10)
      .map((d) => d.where);
    expect(missing).toEqual([]);
  });

  it('says more than the name it describes', () => {
    const echo = describedThings().filter((d) => {
      const name = d.where.split(/[.(]/).pop()!.replace(/\)$/, '');
      return d.description && d.description.trim().replace(/\.$/, '').toLowerCase() === name.toLowerCase();
    });
    expect(echo.map((d) => d.where)).toEqual([]);
  });
});

describe('schema naming', () => {
  it('spells every enum value in SCREAMING_CASE', () => {
    const bad = ownTypes.filter(isEnumType).flatMap((e) =>
      e
        .getValues()
        .filter((v) => !/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/.test(v.name))
        .map((v) => `${e.name}.${v.name}`),
    );
    expect(bad).toEqual([]);
  });

  it('names types in PascalCase and fields and arguments in camelCase', () => {
    const bad: string[] = [];
    for (const type of ownTypes) {
      if (!/^[A-Z][A-Za-z0-9]*$/.test(type.name)) bad.push(type.name);
      if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
        for (const field of Object.values(type.getFields())) {
          if (!/^[a-z][A-Za-z0-9]*$/.test(field.name)) bad.push(`${type.name}.${field.name}`);
          for (const arg of 'args' in field ? field.args : [])
            if (!/^[a-z][A-Za-z0-9]*$/.test(arg.name)) bad.push(`${type.name}.${field.name}(${arg.name})`);
        }
      }
    }
    expect(bad).toEqual([]);
  });
});

/**
 * Lists of objects that are bounded by what the client sent, not by how much
 * data exists, so a plain list is right. Anything else must be a connection.
 */
const BOUNDED_OBJECT_LISTS: Record<string, string> = {
  'Query.nodes': 'one result per id asked for, at most 200',
  'RecordPurchasesPayload.purchases': 'one per purchase in the input, at most 1,000',
  'Customer.crossSellRecommendations': 'at most `first` (0–20) recommendations',
  'ChurnRisk.factors': 'one per input of the score, a fixed set',
  'ChurnRisk.evidence': 'at most 10 touchpoints',
  'ValueTierReport.tiers': 'exactly the three tiers',
  'ReferralMetrics.channels': 'at most one per Channel value',
  'ReferralMetrics.topReferrers': 'at most the `topReferrers` argument (0–50)',
  'Customer.partnerSharing': "one per partner a consent was ever recorded for: the company's partners, a short list",
  'UnmergeCustomersPayload.customers': 'the survivor and the merged profiles, at most 21',
  'CommunicationPreferences.channels': 'exactly one per Channel value',
  'ConsentRecord.changes': 'at most one per Channel value',
  'ConsentChangedEvent.changes': 'at most one per Channel value',
};

/** Connections that page only forward, by design. */
const FORWARD_ONLY_CONNECTIONS: Record<string, string> = {
  'Query.customerEvents': 'an append-only feed read onward from a position (`after`), like the subscription',
};

describe('lists that can grow are connections', () => {
  const objectLists = ownTypes.flatMap((t) =>
    isObjectType(t) || isInterfaceType(t)
      ? Object.values(t.getFields())
          .filter((f) => isListType(getNullableType(f.type)))
          .map((f) => ({ owner: t.name, field: f.name, item: getNamedType(f.type) }))
      : [],
  );

  it('finds the list fields it checks', () => {
    expect(objectLists.length).toBeGreaterThan(10);
  });

  it('returns a connection wherever a list of objects is not bounded by the request', () => {
    const offenders = objectLists
      .filter(({ item }) => isObjectType(item) || isInterfaceType(item) || isUnionType(item))
      // A connection's own edges and nodes are the page itself.
      .filter(({ owner }) => !/(Connection|Edge)$/.test(owner))
      .map(({ owner, field }) => `${owner}.${field}`)
      .filter((where) => !(where in BOUNDED_OBJECT_LISTS));
    expect(offenders).toEqual([]);
  });

  it('gives every connection the Relay shape', () => {
    const connections = ownTypes.filter((t) => isObjectType(t) && t.name.endsWith('Connection'));
    expect(connections.length).toBeGreaterThanOrEqual(8);
    for (const c of connections) {
      if (!isObjectType(c)) continue;
      expect({ name: c.name, fields: Object.keys(c.getFields()).sort() }).toEqual({
        name: c.name,
        fields: expect.arrayContaining(['edges', 'nodes', 'pageInfo', 'totalCount']),
      });
    }
  });

  it('pages every connection-returning field with first/after/last/before', () => {
    const missing: string[] = [];
    for (const type of ownTypes) {
      if (!isObjectType(type)) continue;
      for (const field of Object.values(type.getFields())) {
        if (!getNamedType(field.type).name.endsWith('Connection')) continue;
        const args = field.args.map((a) => a.name);
        const required =
          `${type.name}.${field.name}` in FORWARD_ONLY_CONNECTIONS ? ['first', 'after'] : ['first', 'after', 'last', 'before'];
        for (const a of required) if (!args.includes(a)) missing.push(`${type.name}.${field.name}(${a})`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('describes custom scalars for clients', () => {
    const scalars = ownTypes.filter(isScalarType);
    expect(scalars.map((s) => s.name)).toEqual(expect.arrayContaining(['DateTime', 'Money']));
  });
});

describe('committed SDL', () => {
  it('schema/schema.graphql matches the schema built from the code (run `npm run schema:emit`)', () => {
    const committed = fs.readFileSync(path.join(__dirname, '..', '..', 'schema', 'schema.graphql'), 'utf8');
    expect(committed).toBe(printSchemaSdl(schema));
  });
});
