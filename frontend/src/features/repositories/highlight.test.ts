import { describe, expect, it } from 'vitest';
import { highlightLines, languageFor } from './highlight';

describe('file highlighting', () => {
  it("picks highlight.js's language from the index's name or the extension", () => {
    expect(languageFor('rust', 'src/main.rs')).toBe('rust');
    expect(languageFor('tsx', 'src/App.tsx')).toBe('typescript');
    expect(languageFor('toml', 'Cargo.toml')).toBe('ini');
    expect(languageFor(null, 'a/b.py')).toBe('py');
    expect(languageFor('text', 'notes.txt')).toBeNull();
    expect(languageFor('dockerfile', 'Dockerfile')).toBeNull();
  });

  it('cuts highlighted text into lines, keeping a multi-line comment coloured', () => {
    const lines = highlightLines('fn main() {\n    /* a\n    b */\n}\n', 'rust');
    expect(lines).toHaveLength(4);
    expect(lines[0]![0]).toEqual({ text: 'fn', className: 'hljs-keyword' });
    expect(lines[1]!.find((s) => s.text.includes('/* a'))?.className).toBe('hljs-comment');
    expect(lines[2]!.find((s) => s.text.includes('b */'))?.className).toBe('hljs-comment');
    expect(lines.map((l) => l.map((s) => s.text).join(''))).toEqual(['fn main() {', '    /* a', '    b */', '}']);
  });

  it('keeps plain text and empty lines as they are', () => {
    expect(highlightLines('a\n\nb', null)).toEqual([[{ text: 'a', className: '' }], [], [{ text: 'b', className: '' }]]);
  });
});
