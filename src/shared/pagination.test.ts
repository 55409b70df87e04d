import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, toPageRequest } from './pagination';

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

  it('pages backward from the end with only `before`, at the default size', () => {
    expect(toPageRequest({ before: 'c' })).toEqual({ direction: 'backward', size: DEFAULT_PAGE_SIZE, cursor: 'c', cursorField: 'before' });
  });

  it('accepts first: 0 (for totalCount alone) and null arguments as absent', () => {
    expect(toPageRequest({ first: 0 }).size).toBe(0);
    expect(toPageRequest({ first: null, after: null, last: null, before: null })).toEqual({
      direction: 'forward',
      size: DEFAULT_PAGE_SIZE,
      cursor: null,
      cursorField: 'after',
    });
  });

  it('reports the cap in extensions.max', () => {
    expect(() => toPageRequest({ last: MAX_PAGE_SIZE + 1 }, 'holdings.')).toThrow(
      expect.objectContaining({ extensions: { field: 'holdings.last', max: MAX_PAGE_SIZE } }),
    );
  });
});
