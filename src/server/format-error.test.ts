import { GraphQLError } from 'graphql';
import { ArgumentValidationError } from 'type-graphql';
import { ValidationError } from 'class-validator';
import '../graphql/resolvers';
import { CreateCustomerInput, CustomerFilter } from '../modules/customers/customer.inputs';
import { ConnectionArgs } from '../shared/graphql/connection';
import { createErrorFormatter, variablePathOf } from './format-error';
import { DomainError, ErrorCode, badInput, conflict, internalError, notFound } from '../shared/errors';
import { createLogger } from '../shared/logger';

describe('variablePathOf', () => {
  it.each([
    [
      'Variable "$input" got invalid value "12,50" at "input.purchases[0].amount"; Money must be a decimal string.',
      'input.purchases[0].amount',
    ],
    [
      'Variable "$input" got invalid value "FAX" at "input.preferredChannels[0]"; Value "FAX" does not exist in "Channel" enum.',
      'input.preferredChannels[0]',
    ],
    [
      'Variable "$input" got invalid value { email: "x@example.com" }; Field "name" of required type "String!" was not provided.',
      'input.name',
    ],
    [
      'Variable "$input" got invalid value { amount: "1" } at "input.purchases[2]"; Field "customerId" of required type "ID!" was not provided.',
      'input.purchases[2].customerId',
    ],
    ['Variable "$input" got invalid value { x: 1 }; Field "x" is not defined by type "CreatePersonaInput".', 'input.x'],
    ['Variable "$first" got invalid value "ten"; Int cannot represent non-integer value: "ten"', 'first'],
    ['Variable "$id" of required type "ID!" was not provided.', 'id'],
    // A value that itself contains the marker text cannot fool the parser: graphql-js escapes its quotes.
    ['Variable "$input" got invalid value "a\\" at \\"evil\\";" at "input.name"; String cannot represent a non string value', 'input.name'],
  ])('%s → %s', (message, field) => {
    expect(variablePathOf(message)).toBe(field);
  });

  it('returns undefined for messages that are not about variables', () => {
    expect(variablePathOf('Cannot query field "password" on type "Customer".')).toBeUndefined();
  });
});

describe('createErrorFormatter', () => {
  const lines: string[] = [];
  const format = createErrorFormatter(createLogger('error', (l) => lines.push(l)));
  const formatted = (e: GraphQLError) => format(e.toJSON(), e);
  const inResolver = (original: Error, path: (string | number)[] = ['customers']) =>
    new GraphQLError(original.message, { path, originalError: original });

  beforeEach(() => {
    lines.length = 0;
  });

  it('passes DomainErrors through with their code, message and extensions', () => {
    for (const err of [badInput('input.email', 'Bad email.'), notFound('customer', 'abc', 'input.id'), conflict('input.sku', 'Taken.')]) {
      const out = formatted(inResolver(err));
      expect(out.message).toBe(err.message);
      expect(out.extensions).toEqual({ ...err.extensions, code: err.code });
    }
    expect(lines).toEqual([]);
  });

  it('masks anything else, logs it under an id, and leaks nothing', () => {
    const boom = Object.assign(new Error('duplicate key value violates unique constraint "x" SELECT * FROM secret'), { query: 'SELECT 1' });
    const out = formatted(inResolver(boom));
    expect(out.extensions?.code).toBe(ErrorCode.INTERNAL_SERVER_ERROR);
    const errorId = out.extensions?.errorId as string;
    expect(errorId).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.stringify(out)).not.toMatch(/duplicate|SELECT|secret|stack/i);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toMatchObject({ level: 'error', errorId, error: { message: boom.message } });
  });

  it('masks a coded error whose code the table marks masked, logging its detail', () => {
    const out = formatted(inResolver(internalError('the customer of an event does not exist', { customerId: '42' })));
    expect(out.extensions).toEqual({ code: ErrorCode.INTERNAL_SERVER_ERROR, errorId: expect.any(String) });
    expect(JSON.stringify(out)).not.toMatch(/does not exist|customerId/);
    expect(JSON.parse(lines[0])).toMatchObject({ errorId: out.extensions?.errorId, detail: { customerId: '42' } });
  });

  function violation(
    target: object,
    property: string,
    constraints: Record<string, string>,
    children: ValidationError[] = [],
  ): ValidationError {
    return Object.assign(new ValidationError(), { target, property, constraints, children });
  }

  it.each([
    ['a mutation input', new CreateCustomerInput(), 'email', ['createCustomer'], 'input.email'],
    ['a list filter', new CustomerFilter(), 'search', ['customers'], 'filter.search'],
    ['paging arguments', new ConnectionArgs(), 'first', ['customers'], 'first'],
  ])('names the argument of %s in extensions.field', (_what, target, property, path, field) => {
    const err = new ArgumentValidationError([violation(target, property, { any: `${property} is wrong` })]);
    const out = formatted(inResolver(err, path));
    expect(out.extensions).toEqual({ code: ErrorCode.BAD_USER_INPUT, field });
    expect(out.message).toBe(`Invalid value for ${field}: ${property} is wrong.`);
  });

  it('follows nested violations down to the array element', () => {
    const item = violation({}, 'quantity', { min: 'quantity must not be less than 1' });
    const err = new ArgumentValidationError([violation(new CreateCustomerInput(), 'purchases', {}, [violation({}, '3', {}, [item])])]);
    expect(formatted(inResolver(err, ['recordPurchases'])).extensions).toEqual({
      code: ErrorCode.BAD_USER_INPUT,
      field: 'input.purchases[3].quantity',
    });
  });

  it('adds the variable path to coercion errors and keeps GraphQL validation errors as they are', () => {
    const coercion = new GraphQLError('Variable "$input" got invalid value "x" at "input.price"; Money must be a decimal string.', {
      extensions: { code: 'BAD_USER_INPUT' },
    });
    expect(formatted(coercion).extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'input.price' });
    const validation = new GraphQLError('Cannot query field "x" on type "Query".', { extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
    expect(formatted(validation)).toMatchObject({ message: validation.message, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
  });

  it('keeps a DomainError subclass code even when it is not BAD_USER_INPUT', () => {
    const err = new DomainError(ErrorCode.INVALID_STAGE_TRANSITION, 'No.', { field: 'input.to', allowed: ['ACQUIRED'] });
    expect(formatted(inResolver(err)).extensions).toEqual({ code: 'INVALID_STAGE_TRANSITION', field: 'input.to', allowed: ['ACQUIRED'] });
  });

  it('answers a database connection error with SERVICE_UNAVAILABLE, reports it to the outage monitor, and logs nothing per request', () => {
    const reported: unknown[] = [];
    const withOutage = createErrorFormatter(
      createLogger('error', (l) => lines.push(l)),
      {
        failed: (err) => reported.push(err),
        retryAfterSeconds: 3,
      },
    );
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const e = inResolver(refused);
    const out = withOutage(e.toJSON(), e);
    expect(out.extensions).toEqual({ code: ErrorCode.SERVICE_UNAVAILABLE, retryAfter: 3 });
    expect(out.message).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|5432/);
    expect(reported).toEqual([refused]);
    expect(lines).toEqual([]);
  });
});
