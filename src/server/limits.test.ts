import fs from 'node:fs';
import path from 'node:path';
import { GraphQLError, Kind, parse, specifiedRules, validate, type DocumentNode } from 'graphql';
import { getSchema } from '../graphql/schema';
import { checkOperation, countTokens, DEFAULT_QUERY_LIMITS, limitValidationRules, operationCost, tokenLimitError } from './limits';
import { EXAMPLE_OPERATIONS } from './playground-examples';

const schema = getSchema();
const L = DEFAULT_QUERY_LIMITS;
const rules = [...specifiedRules, ...limitValidationRules()];
const cost = (q: string, variables: Record<string, unknown> = {}) => operationCost(schema, parse(q), variables, undefined);
const limitErrors = (q: string) =>
  validate(schema, parse(q), rules)
    .filter(
      (e) =>
        e.extensions.code === 'QUERY_TOO_COMPLEX' ||
        (e.originalError as GraphQLError | undefined)?.extensions?.code === 'QUERY_TOO_COMPLEX',
    )
    .map((e) => e.extensions);

describe('cost', () => {
  it('multiplies what a connection selects by first/last, or the default page size', () => {
    expect(cost('{ customers(first: 10) { nodes { id } } }')).toBe(1 + 10 * 1);
    expect(cost('{ customers(last: 3) { totalCount } }')).toBe(1);
    expect(cost('{ customers { nodes { id } } }')).toBe(1 + 20 * 1);
    expect(cost('query($n: Int) { customers(first: $n) { nodes { id } } }', { n: 7 })).toBe(1 + 7);
    // Nested connections multiply: 1 + 10 × (nodes 1 + holdings (1 + 5 × (nodes 1 + product 1))).
    expect(cost('{ customers(first: 10) { nodes { holdings(first: 5) { nodes { product { name } } } } } }')).toBe(
      1 + 10 * (1 + (1 + 5 * (1 + 1))),
    );
  });

  it('charges nodes(ids:) per id', () => {
    expect(cost('query($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids: ['a', 'b', 'c'] })).toBe(1 + 3);
  });

  it('refuses a full page of full pages, and reports limit, max and actual', () => {
    const q = '{ customers(first: 200) { nodes { holdings(first: 200) { nodes { id } } } } }';
    const errors = checkOperation(schema, parse(q), {}, undefined);
    expect(errors.map((e) => e.extensions)).toEqual([
      { code: 'QUERY_TOO_COMPLEX', limit: 'cost', max: L.maxCost, actual: 1 + 200 * (1 + 1 + 200) },
    ]);
  });

  it('stops walking fragment fan-out before it explodes', () => {
    // Each level doubles the fields visited: 2^24 without a cap.
    const levels = Array.from({ length: 24 }, (_, i) => `fragment F${i} on Customer { ...F${i + 1} ...F${i + 1} }`).join('\n');
    const q = `{ customers(first: 1) { nodes { ...F0 } } }\n${levels}\nfragment F24 on Customer { id }`;
    const errors = checkOperation(schema, parse(q), {}, undefined);
    expect(errors[0].extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'cost', measure: 'fields visited' });
  });
});

describe('validation limits', () => {
  it('refuses depth, aliases and directives over their limits with the figures', () => {
    const deep = `{ customers(first: 1) { nodes { referredBy { referrer { referredBy { referrer { referredBy { referrer { referredBy { referrer { referredBy { referrer { id } } } } } } } } } } } } }`;
    expect(limitErrors(deep)).toEqual([
      expect.objectContaining({ code: 'QUERY_TOO_COMPLEX', limit: 'depth', max: L.maxDepth, actual: 13 }),
    ]);
    const aliases = `{ ${Array.from({ length: L.maxAliases + 1 }, (_, i) => `a${i}: __typename`).join(' ')} }`;
    // __typename aliases are free (armor's allow-list); real fields are not.
    expect(limitErrors(aliases)).toEqual([]);
    const fieldAliases = `{ ${Array.from({ length: L.maxAliases + 1 }, (_, i) => `a${i}: latestCustomerEventCursor`).join(' ')} }`;
    expect(limitErrors(fieldAliases)).toEqual([expect.objectContaining({ limit: 'aliases', max: L.maxAliases, actual: L.maxAliases + 1 })]);
    const directives = `{ latestCustomerEventCursor ${Array.from({ length: L.maxDirectives + 1 }, () => '@skip(if: false)').join(' ')} }`;
    expect(limitErrors(directives).map((e) => e.limit)).toContain('directives');
  });

  it('refuses NUL characters in string literals and variables', () => {
    const literal = validate(schema, parse('{ customers(filter: { search: "a\\u0000b" }) { totalCount } }'), rules);
    expect(literal.map((e) => e.extensions.code)).toContain('BAD_USER_INPUT');
    const vars = checkOperation(
      schema,
      parse('query($f: CustomerFilter) { customers(filter: $f) { totalCount } }'),
      { f: { search: 'x\u0000' } },
      undefined,
    );
    expect(vars[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'variables.f.search' });
  });

  it("turns the parser's token limit into QUERY_TOO_COMPLEX with the actual count", () => {
    const doc = `{ ${Array.from({ length: 2500 }, () => '__typename').join(' ')} }`;
    let thrown: unknown;
    try {
      parse(doc, { maxTokens: L.maxTokens });
    } catch (err) {
      thrown = err;
    }
    expect(tokenLimitError(thrown)?.extensions).toEqual({ code: 'QUERY_TOO_COMPLEX', limit: 'tokens', max: L.maxTokens, actual: 2502 });
    expect(countTokens(doc)).toBe(2502);
  });
});

describe('the documents we ship stay within every limit', () => {
  const root = path.join(__dirname, '..', '..');
  const files = ['test/operations', 'docs/examples']
    .map((d) => path.join(root, d))
    .filter((d) => fs.existsSync(d))
    .flatMap((d) =>
      fs
        .readdirSync(d)
        .filter((f) => f.endsWith('.graphql'))
        .map((f) => path.join(d, f)),
    );
  const documents: [string, string][] = [
    ['playground example', EXAMPLE_OPERATIONS],
    ...files.map((f): [string, string] => [path.relative(root, f), fs.readFileSync(f, 'utf8')]),
  ];

  it.each(documents)('%s', (_name, source) => {
    const doc: DocumentNode = parse(source);
    const fragments = doc.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION);
    for (const op of doc.definitions) {
      if (op.kind !== Kind.OPERATION_DEFINITION) continue;
      // Each operation as a client sends it: itself plus the fragments.
      const single: DocumentNode = { kind: Kind.DOCUMENT, definitions: [op, ...fragments] };
      expect([op.name?.value, validate(schema, single, limitValidationRules()).map((e) => e.message)]).toEqual([op.name?.value, []]);
      const c = operationCost(schema, single, {}, op.name?.value);
      expect([op.name?.value, (c ?? 0) <= L.maxCost]).toEqual([op.name?.value, true]);
    }
    expect(countTokens(source)).toBeLessThanOrEqual(L.maxTokens * 4);
  });

  it('the playground example fits with room to spare', () => {
    expect(operationCost(schema, parse(EXAMPLE_OPERATIONS), {}, 'Customer360')).toBeLessThan(L.maxCost / 10);
  });
});
