import { MAX_PAGE_SIZE, toPageRequest } from './pagination';

describe('toPageRequest', () => {
  it('defaults to the first 20', () => {
    expect(toPageRequest({})).toEqual({ direction: 'forward', size: 20, cursor: null, cursorField: 'after' });
  });

  it('pages backward with last/before', () => {
    expect(toPageRequest({ last: 5, before: 'abc' })).toEqual({ direction: 'backward', size: 5, cursor: 'abc', cursorField: 'before' });
  });

  it.each([
    [{ first: 1, last: 1 }, 'last'],
    [{ first: 1, before: 'x' }, 'before'],
    [{ last: 1, after: 'x' }, 'after'],
    [{ first: -1 }, 'first'],
    [{ first: MAX_PAGE_SIZE + 1 }, 'first'],
    [{ last: MAX_PAGE_SIZE + 1 }, 'last'],
  ])('rejects %p naming %s', (args, field) => {
    try {
      toPageRequest(args, 'touchpoints.');
      throw new Error('expected a failure');
    } catch (err) {
      expect((err as { code: string }).code).toBe('BAD_USER_INPUT');
      expect((err as { extensions: { field: string } }).extensions.field).toBe(`touchpoints.${field}`);
    }
  });

  it('accepts the cap exactly', () => {
    expect(toPageRequest({ first: MAX_PAGE_SIZE }).size).toBe(MAX_PAGE_SIZE);
  });
});
