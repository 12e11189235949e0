import { describe, expect, it } from 'vitest';
import { citationHref, fileHref, findCitations, parseCitation, parseLineHash } from './citations';

describe('citations', () => {
  it('reads a code span that is a citation', () => {
    expect(parseCitation('src/main.rs:L3-L9')).toEqual({ path: 'src/main.rs', start: 3, end: 9 });
    expect(parseCitation('src/main.rs:L3')).toEqual({ path: 'src/main.rs', start: 3, end: 3 });
    expect(parseCitation('src/main.rs:L3-9')).toEqual({ path: 'src/main.rs', start: 3, end: 9 });
    expect(parseCitation('src/main.rs:3-9')).toEqual({ path: 'src/main.rs', start: 3, end: 9 });
    expect(parseCitation('src/main.rs#L3-L9')).toEqual({ path: 'src/main.rs', start: 3, end: 9 });
    expect(parseCitation(' ./Cargo.toml:L1-L8 ')).toEqual({ path: 'Cargo.toml', start: 1, end: 8 });
    expect(parseCitation('Makefile:L10-L12')).toEqual({ path: 'Makefile', start: 10, end: 12 });
    expect(parseCitation('.github/workflows/ci.yml:L1-L4')).toEqual({ path: '.github/workflows/ci.yml', start: 1, end: 4 });
  });

  it('refuses code spans that are not citations', () => {
    for (const text of [
      'src/main.rs', // no lines
      'greet()',
      'localhost:8080',
      '127.0.0.1:8080',
      'src/main.rs:L9-L3', // backwards
      'src/main.rs:L0',
      '../secret.rs:L1-L2',
      'main:L1-L2', // one word without an extension
      'https://example.com/a.rs#L1',
      'a b.rs:L1',
    ]) {
      expect(parseCitation(text), text).toBeNull();
    }
  });

  it('finds citations in prose, with their place', () => {
    const text = 'The server starts in src/main.rs:L1-L3, see also (lib/util.ts:L7). Not http://x.io/a.rs#L1 nor v1.2:L3 nor port:8080.';
    const found = findCitations(text);
    expect(found.map((m) => m.citation)).toEqual([
      { path: 'src/main.rs', start: 1, end: 3 },
      { path: 'lib/util.ts', start: 7, end: 7 },
    ]);
    const [first] = found;
    expect(text.slice(first!.start, first!.end)).toBe('src/main.rs:L1-L3');
    expect(findCitations('Ends a sentence: README.md#L2-L4.').map((m) => m.text)).toEqual(['README.md#L2-L4']);
    expect(findCitations('no citations here: src/main.rs and Cargo.toml')).toEqual([]);
  });

  it("reads the file view's line hash", () => {
    expect(parseLineHash('#L3-L9')).toEqual({ start: 3, end: 9 });
    expect(parseLineHash('#L5')).toEqual({ start: 5, end: 5 });
    expect(parseLineHash('L9-L3')).toEqual({ start: 3, end: 9 });
    expect(parseLineHash('')).toBeNull();
    expect(parseLineHash('#top')).toBeNull();
    expect(parseLineHash('#L0')).toBeNull();
  });

  it('links to the file view', () => {
    expect(fileHref('r1', 'src/a b.rs')).toBe('/repositories/r1/file?path=src%2Fa+b.rs');
    expect(citationHref('r1', 'abc123', { path: 'src/main.rs', start: 3, end: 9 })).toBe(
      '/repositories/r1/file?path=src%2Fmain.rs&commit=abc123#L3-L9',
    );
    expect(citationHref('r1', null, { path: 'a.rs', start: 4, end: 4 })).toBe('/repositories/r1/file?path=a.rs#L4');
  });
});
