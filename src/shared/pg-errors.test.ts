import { isConnectionError, isUniqueViolation, sqlState } from './pg-errors';

describe('isConnectionError', () => {
  const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

  it.each([
    ['a refused connection', withCode('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')],
    ['a reset connection', withCode('ECONNRESET')],
    ['admin_shutdown (fast or immediate stop)', withCode('57P01', 'terminating connection due to administrator command')],
    ['cannot_connect_now (starting up)', withCode('57P03', 'the database system is starting up')],
    ['a class 08 connection exception', withCode('08006')],
    ['a connection that ended mid-query', new Error('Connection terminated unexpectedly')],
    ['a pool that could not connect in time', new Error('timeout exceeded when trying to connect')],
    ['TypeORM wrapping the driver error', Object.assign(new Error('query failed'), { driverError: withCode('57P01') })],
    ['a cause', new Error('outer', { cause: withCode('ECONNREFUSED') })],
    [
      'a transaction whose connection TypeORM released after it failed',
      Object.assign(new Error('Query runner already released'), { name: 'QueryRunnerAlreadyReleasedError' }),
    ],
    [
      'a statement on a runner TypeORM released after its connection failed',
      Object.assign(new Error('connection already released'), { name: 'QueryRunnerProviderAlreadyReleasedError' }),
    ],
    ['a non-Error value graphql-js wrapped', Object.assign(new Error('Unexpected error value'), { thrownValue: { code: 'ECONNREFUSED' } })],
    ['an AggregateError of refused addresses', Object.assign(new AggregateError([withCode('ECONNREFUSED')]), { code: 'ECONNREFUSED' })],
  ])('recognises %s', (_what, err) => {
    expect(isConnectionError(err)).toBe(true);
  });

  it.each([
    ['a unique violation', Object.assign(new Error('duplicate key'), { driverError: withCode('23505') })],
    ['a syntax error', withCode('42601')],
    ['a statement timeout', withCode('57014', 'canceling statement due to statement timeout')],
    ['a plain bug', new TypeError('x is undefined')],
    ['not an error at all', 'Connection terminated'],
    ['nothing', undefined],
  ])('does not count %s', (_what, err) => {
    expect(isConnectionError(err)).toBe(false);
  });

  it('leaves isUniqueViolation alone', () => {
    expect(isUniqueViolation({ driverError: { code: '23505', constraint: 'customer_external_id_key' } }, 'external_id')).toBe(true);
  });
});

describe('sqlState', () => {
  it("reads TypeORM's driver error first, then the error's own code, and is empty for anything else", () => {
    expect(sqlState(Object.assign(new Error('x'), { code: 'ignored', driverError: { code: '55P03' } }))).toBe('55P03');
    expect(sqlState(Object.assign(new Error('x'), { code: '22P02' }))).toBe('22P02');
    expect(sqlState(new Error('plain'))).toBe('');
    expect(sqlState(null)).toBe('');
  });
});
