import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DomainError, ErrorCode, ERRORS, errorKind, FOREIGN_CODES, internalError, isErrorCode, isMasked } from './errors';

/** The rows of the README's "## Errors" table, as [code, meaning]. */
function readmeErrorTable(): [string, string][] {
  const readme = readFileSync(path.join(__dirname, '../../README.md'), 'utf8');
  const section = /^## Errors$([\s\S]*?)^## /m.exec(readme)?.[1] ?? '';
  return [...section.matchAll(/^\| `([A-Z_]+)` \| (.*) \|$/gm)].map((m) => [m[1], m[2]]);
}

describe('ERRORS', () => {
  const codes = Object.values(ErrorCode);

  it('has exactly one entry per ErrorCode', () => {
    expect(Object.keys(ERRORS).sort()).toEqual([...codes].sort());
    for (const code of codes) expect(errorKind(code).description).toMatch(/\S/);
  });

  it('masks INTERNAL_SERVER_ERROR only, and anything that is not one of our codes', () => {
    expect(codes.filter((c) => errorKind(c).masked)).toEqual([ErrorCode.INTERNAL_SERVER_ERROR]);
    expect(isMasked('SOMETHING_ELSE')).toBe(true);
    expect(isMasked(undefined)).toBe(true);
    expect(isErrorCode('toString')).toBe(false);
  });

  it('gives every HTTP status as a client or server error', () => {
    for (const code of codes) {
      const status = errorKind(code).httpStatus;
      if (status !== undefined) expect([code, status >= 400 && status < 600]).toEqual([code, true]);
    }
    expect(errorKind(ErrorCode.INTERNAL_SERVER_ERROR).httpStatus).toBe(500);
  });

  it('maps foreign codes onto ours', () => {
    for (const code of Object.values(FOREIGN_CODES)) expect(isErrorCode(code)).toBe(true);
  });

  it('is the table the README documents: every code, in order, with its meaning', () => {
    expect(readmeErrorTable()).toEqual(codes.map((c) => [c, errorKind(c).description]));
  });

  it('makes broken invariants masked DomainErrors', () => {
    const err = internalError('a row is missing', { id: '1' });
    expect(err).toBeInstanceOf(DomainError);
    expect(err.code).toBe(ErrorCode.INTERNAL_SERVER_ERROR);
    expect(isMasked(err.code)).toBe(true);
  });
});
