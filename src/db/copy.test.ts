import { arrayLiteral, copyField, copyRow } from './copy';

describe('COPY text format', () => {
  it('escapes the characters that separate fields and rows', () => {
    expect(copyField('a\tb\nc\rd\\e')).toBe('a\\tb\\nc\\rd\\\\e');
  });

  it('writes null as \\N, and scalars and dates as PostgreSQL reads them', () => {
    expect(copyField(null)).toBe('\\N');
    expect(copyField(1.5e-7)).toBe('1.5e-7');
    expect(copyField(Number.POSITIVE_INFINITY)).toBe('Infinity');
    expect(copyField(true)).toBe('true');
    expect(copyField(new Date('2026-12-03T10:00:00Z'))).toBe('2026-12-03T10:00:00.000Z');
  });

  it('quotes every array element and escapes quotes and backslashes inside', () => {
    expect(arrayLiteral([])).toBe('{}');
    expect(arrayLiteral(['a', 'say "hi"', 'x\\y', 'NULL'])).toBe('{"a","say \\"hi\\"","x\\\\y","NULL"}');
    // Then escaped once more for COPY: each backslash doubles.
    expect(copyField(['x\\y'])).toBe('{"x\\\\\\\\y"}');
  });

  it('writes jsonb values as JSON, escaped for COPY', () => {
    expect(copyField({ json: { text: 'line\nbreak' } })).toBe('{"text":"line\\\\nbreak"}');
  });

  it('joins fields with tabs and ends the row with a newline', () => {
    expect(copyRow(['a', null, 2])).toBe('a\t\\N\t2\n');
  });
});
