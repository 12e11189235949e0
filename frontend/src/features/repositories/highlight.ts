// A file's text as highlighted lines for the file view: highlight.js (through
// lowlight) highlights the whole file, so a comment or string that spans
// lines is coloured right, and the result is cut at each newline into plain
// segments React renders (no HTML strings).
import { common, createLowlight } from 'lowlight';

const lowlight = createLowlight(common);

/** A run of text and the highlight.js classes around it (empty: plain). */
export interface Segment {
  text: string;
  className: string;
}

// The index's language names (knowledge/src/lang.rs) that highlight.js names otherwise.
const ALIASES: Record<string, string> = { tsx: 'typescript', html: 'xml', toml: 'ini' };
const PLAIN = new Set(['text', 'txt', 'plaintext']);

/** The highlight.js language for a file, from the index's language or the file's extension. */
export function languageFor(language: string | null | undefined, path: string): string | null {
  if (language && PLAIN.has(language)) return null;
  const name = path.split('/').pop() ?? path;
  const ext = name.includes('.') ? name.split('.').pop()!.toLowerCase() : name.toLowerCase();
  const candidates = [language ? (ALIASES[language] ?? language) : undefined, ext];
  for (const candidate of candidates) {
    if (candidate && !PLAIN.has(candidate) && lowlight.registered(candidate)) return candidate;
  }
  return null;
}

interface HastNode {
  type: string;
  value?: string;
  properties?: { className?: unknown };
  children?: HastNode[];
}

/** The text's lines, each a list of segments; plain segments when the language is unknown. */
export function highlightLines(text: string, language: string | null): Segment[][] {
  const body = text.endsWith('\n') ? text.slice(0, -1) : text;
  if (!language) return body.split('\n').map((line) => (line ? [{ text: line, className: '' }] : []));
  const tree = lowlight.highlight(language, body) as HastNode;
  const lines: Segment[][] = [[]];
  const walk = (node: HastNode, classes: string[]) => {
    if (node.type === 'text') {
      const parts = (node.value ?? '').split('\n');
      parts.forEach((part, i) => {
        if (i > 0) lines.push([]);
        if (part) lines[lines.length - 1]!.push({ text: part, className: classes.join(' ') });
      });
      return;
    }
    const own = Array.isArray(node.properties?.className) ? (node.properties.className as string[]) : [];
    for (const child of node.children ?? []) walk(child, [...classes, ...own]);
  };
  walk(tree, []);
  return lines;
}
