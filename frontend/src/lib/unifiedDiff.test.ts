import { describe, expect, it } from 'vitest';
import { parseUnifiedDiff } from './unifiedDiff';

describe('parseUnifiedDiff', () => {
  it('numbers context, added and removed lines', () => {
    const diff = [
      '--- v1',
      '+++ v2',
      '@@ -1,4 +1,5 @@',
      ' # Title',
      '-Old sentence.',
      '+New sentence.',
      '+Another one.',
      ' ',
      ' ---',
      '@@ -20,2 +21,1 @@',
      ' end',
      '-gone',
      '',
    ].join('\n');
    const parsed = parseUnifiedDiff(diff);
    expect(parsed.oldName).toBe('v1');
    expect(parsed.newName).toBe('v2');
    expect(parsed.hunks).toHaveLength(2);
    expect(parsed.hunks[0]!.lines).toEqual([
      { kind: 'context', text: '# Title', oldLine: 1, newLine: 1 },
      { kind: 'removed', text: 'Old sentence.', oldLine: 2, newLine: null },
      { kind: 'added', text: 'New sentence.', oldLine: null, newLine: 2 },
      { kind: 'added', text: 'Another one.', oldLine: null, newLine: 3 },
      { kind: 'context', text: '', oldLine: 3, newLine: 4 },
      { kind: 'context', text: '---', oldLine: 4, newLine: 5 },
    ]);
    expect(parsed.hunks[1]).toMatchObject({ oldStart: 20, oldCount: 2, newStart: 21, newCount: 1 });
    expect(parsed.hunks[1]!.lines.map((l) => [l.kind, l.oldLine, l.newLine])).toEqual([
      ['context', 20, 21],
      ['removed', 21, null],
    ]);
  });

  it('reads removed Markdown rules as lines, not headers', () => {
    const parsed = parseUnifiedDiff('--- v1\n+++ v2\n@@ -1,2 +1,1 @@\n----\n--- a\n+++ b\n');
    // Inside a hunk `--- a` and `+++ b` are its lines, not file headers.
    expect(parsed.hunks[0]!.lines).toEqual([
      { kind: 'removed', text: '---', oldLine: 1, newLine: null },
      { kind: 'removed', text: '-- a', oldLine: 2, newLine: null },
      { kind: 'added', text: '++ b', oldLine: null, newLine: 1 },
    ]);
  });

  it('handles counts left out, empty sides, a missing final newline and CRLF', () => {
    const parsed = parseUnifiedDiff('@@ -0,0 +1 @@\r\n+only\r\n\\ No newline at end of file\r\n');
    expect(parsed.oldName).toBeNull();
    expect(parsed.hunks[0]).toMatchObject({ oldStart: 0, oldCount: 0, newStart: 1, newCount: 1 });
    expect(parsed.hunks[0]!.lines).toEqual([{ kind: 'added', text: 'only', oldLine: null, newLine: 1, noNewline: true }]);
  });

  it('gives no hunks for an empty diff', () => {
    expect(parseUnifiedDiff('')).toEqual({ oldName: null, newName: null, hunks: [] });
  });
});
