/**
 * The role matrix over the real schema: every root field × every role, checked
 * at the wrapped resolver itself (no server, no database: a context without
 * services makes any resolver that gets past the check fail harmlessly).
 */
import { GraphQLError, GraphQLNonNull, GraphQLObjectType, GraphQLSchema, GraphQLString, isNonNullType, isObjectType } from 'graphql';
import { getSchema } from '../../graphql/schema';
import { applyAccessPolicy, personalFields } from './access';
import { rolesFor, scopeGrantFor } from './policy';
import { hasScope, Role, Scope, type Viewer } from './viewer';

const schema = getSchema();
const ROLES = [Role.ANONYMOUS, Role.ADMIN, Role.ANALYST, Role.SERVICE, Role.PARTNER];
const viewer = (role: Role, scopes: string[] = []): Viewer => ({ role, scopes, apiKeyId: role === Role.ANONYMOUS ? null : '1' });

type OperationType = 'Query' | 'Mutation' | 'Subscription';
const ROOT_FIELDS = (['Query', 'Mutation', 'Subscription'] as OperationType[]).flatMap((op) => {
  const type = schema.getType(op);
  return type && isObjectType(type) ? Object.values(type.getFields()).map((f) => ({ op, field: f })) : [];
});

/** Runs the wrapped entry point and returns the auth error code it raised, if any. */
async function authCodeOf(op: OperationType, field: (typeof ROOT_FIELDS)[number]['field'], v: Viewer): Promise<string | null> {
  const fn = op === 'Subscription' ? field.subscribe : field.resolve;
  try {
    await fn!(undefined, {}, { viewer: v }, { fieldName: field.name } as never);
  } catch (err) {
    const code = err instanceof GraphQLError ? err.extensions.code : undefined;
    if (code === 'UNAUTHENTICATED' || code === 'FORBIDDEN') return code;
  }
  return null;
}

describe('root fields × roles (generated from the schema)', () => {
  const cases = ROOT_FIELDS.flatMap(({ op, field }) => ROLES.map((role) => [`${op}.${field.name}`, role, op, field] as const));

  it.each(cases)('%s as %s', async (_name, role, op, field) => {
    const code = await authCodeOf(op, field, viewer(role));
    if (role === Role.ANONYMOUS) expect(code).toBe('UNAUTHENTICATED');
    else {
      // A scope grant opens a field to more roles, only for keys holding the scope (ADMIN holds every scope).
      const grant = scopeGrantFor(op, field.name);
      const allowed =
        rolesFor(op, field.name).includes(role) || (!!grant && grant.roles.includes(role) && hasScope(viewer(role), grant.scope));
      expect(code).toBe(allowed ? null : 'FORBIDDEN');
    }
  });

  it('opens a scope-gated root field to the roles listed once the key holds the scope', async () => {
    const field = ROOT_FIELDS.find((f) => f.op === 'Query' && f.field.name === 'exportCustomerData')!.field;
    expect(await authCodeOf('Query', field, viewer(Role.SERVICE))).toBe('FORBIDDEN');
    expect(await authCodeOf('Query', field, viewer(Role.SERVICE, [Scope.PRIVACY_MANAGE]))).toBeNull();
    expect(await authCodeOf('Query', field, viewer(Role.PARTNER, [Scope.PRIVACY_MANAGE]))).toBe('FORBIDDEN');
  });

  it('opens every root field to ADMIN and documents its roles in the description', () => {
    for (const { op, field } of ROOT_FIELDS) {
      expect(rolesFor(op, field.name)).toContain(Role.ADMIN);
      expect(field.description).toMatch(/Roles: [A-Z, ]+(; also [A-Z, ]+ keys with the `[a-z:]+` scope)?\.$/);
    }
  });

  it('opens merge and unmerge to SERVICE and ANALYST keys only with the customers:merge scope', async () => {
    const mutations = schema.getMutationType()!.getFields();
    for (const name of ['mergeCustomers', 'unmergeCustomers']) {
      const field = mutations[name];
      for (const role of [Role.SERVICE, Role.ANALYST]) {
        expect(await authCodeOf('Mutation', field, viewer(role))).toBe('FORBIDDEN');
        expect(await authCodeOf('Mutation', field, viewer(role, [Scope.CUSTOMERS_MERGE]))).toBe(null);
      }
      expect(await authCodeOf('Mutation', field, viewer(Role.PARTNER, [Scope.CUSTOMERS_MERGE]))).toBe('FORBIDDEN');
      expect(await authCodeOf('Mutation', field, viewer(Role.ADMIN))).toBe(null);
    }
  });

  it('keeps key management for ADMIN and the write path for SERVICE', () => {
    expect(rolesFor('Mutation', 'createApiKey')).toEqual([Role.ADMIN]);
    expect(rolesFor('Query', 'apiKeys')).toEqual([Role.ADMIN]);
    for (const m of ['createCustomer', 'updateCustomer', 'recordPurchases', 'recordTouchpoint', 'createReferral'])
      expect(rolesFor('Mutation', m)).toContain(Role.SERVICE);
    // A mutation nobody granted stays ADMIN-only.
    expect(rolesFor('Mutation', 'somethingNew')).toEqual([Role.ADMIN]);
  });
});

describe('personal fields', () => {
  it('are nullable, so hiding one never nulls its parent', () => {
    for (const coordinate of personalFields(schema)) {
      const [type, field] = coordinate.split('.');
      expect([coordinate, isNonNullType((schema.getType(type) as GraphQLObjectType).getFields()[field].type)]).toEqual([coordinate, false]);
    }
  });

  it('include every field whose name says it identifies a person', () => {
    // Fields named like contact details or free-text notes must be marked; names of things (personas, products) are not personal.
    const SUSPICIOUS =
      /^(e?mail\w*|email\w*|phone\w*|mobile\w*|notes?|comment\w*|address\w*|first_?name|last_?name|full_?name|birth\w*|date_?of_?birth|ip_?address|external_?id)$/i;
    const NOT_PERSONAL = new Set<string>([]);
    const marked = new Set(personalFields(schema));
    const unmarked: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (!isObjectType(type) || type.name.startsWith('__')) continue;
      for (const f of Object.values(type.getFields())) {
        const coordinate = `${type.name}.${f.name}`;
        if (SUSPICIOUS.test(f.name) && !marked.has(coordinate) && !NOT_PERSONAL.has(coordinate)) unmarked.push(coordinate);
      }
    }
    expect(unmarked).toEqual([]);
    expect([...marked].filter((c) => c.startsWith('Customer.'))).toEqual([
      // Consent and preferences are about one identified person.
      'Customer.communicationPreferences',
      'Customer.consentHistory',
      'Customer.email',
      'Customer.externalId',
      'Customer.name',
      'Customer.phone',
    ]);
  });

  it('resolve only with pii:read (ADMIN holds every scope)', () => {
    const name = (schema.getType('Customer') as GraphQLObjectType).getFields().name;
    const resolve = (v: Viewer) => name.resolve!({ name: 'Ada' }, {}, { viewer: v }, { fieldName: 'name' } as never);
    expect(resolve(viewer(Role.ADMIN))).toBe('Ada');
    expect(resolve(viewer(Role.ANALYST, [Scope.PII_READ]))).toBe('Ada');
    for (const v of [viewer(Role.ANALYST), viewer(Role.PARTNER), viewer(Role.SERVICE), viewer(Role.ANONYMOUS)]) {
      expect(() => resolve(v)).toThrow(
        expect.objectContaining({ extensions: expect.objectContaining({ code: 'FORBIDDEN', scope: 'pii:read' }) }),
      );
    }
    expect(hasScope(viewer(Role.ADMIN), Scope.PII_READ)).toBe(true);
  });

  it('cannot be declared non-null', () => {
    const broken = new GraphQLSchema({
      query: new GraphQLObjectType({
        name: 'Query',
        fields: { secret: { type: new GraphQLNonNull(GraphQLString), extensions: { personal: true } } },
      }),
      types: [
        new GraphQLObjectType({
          name: 'Person',
          fields: { email: { type: new GraphQLNonNull(GraphQLString), extensions: { personal: true } } },
        }),
      ],
    });
    expect(() => applyAccessPolicy(broken)).toThrow(/Person\.email is marked @Personal\(\) but is non-null/);
  });
});
