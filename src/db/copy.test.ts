import { arrayLiteral, escapeCopy } from './copy';

describe('COPY text format', () => {
  it('escapes the characters that separate fields and rows, and leaves other text as it is', () => {
    expect(escapeCopy('a\tb\nc\rd\\e')).toBe('a\\tb\\nc\\rd\\\\e');
    expect(escapeCopy('plain "text", 100 %')).toBe('plain "text", 100 %');
  });

  it('quotes every array element and escapes quotes and backslashes inside', () => {
    expect(arrayLiteral([])).toBe('{}');
    expect(arrayLiteral(['a', 'say "hi"', 'x\\y', 'NULL'])).toBe('{"a","say \\"hi\\"","x\\\\y","NULL"}');
    // Then escaped once more for COPY: each backslash doubles.
    expect(escapeCopy(arrayLiteral(['x\\y']))).toBe('{"x\\\\\\\\y"}');
  });
});
