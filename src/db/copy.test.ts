import { escapeCopy } from './copy';

describe('COPY text format', () => {
  it('escapes the characters that separate fields and rows, and leaves other text as it is', () => {
    expect(escapeCopy('a\tb\nc\rd\\e')).toBe('a\\tb\\nc\\rd\\\\e');
    expect(escapeCopy('plain "text", 100 %')).toBe('plain "text", 100 %');
  });
});
