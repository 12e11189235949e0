// Citations: the `path:Lstart-Lend` a document cites its repository with, and
// the file view's URL (`/repositories/:id/file?path=…&commit=…#L3-L9`) they
// link to. The documents feature writes these links and the repositories
// feature reads them, so both take them from here.

/** A cited line range of a file. */
export interface Citation {
  path: string;
  start: number;
  end: number;
}

/** A citation found in a text, with where it is (`start` inclusive, `end` exclusive). */
export interface CitationMatch {
  citation: Citation;
  text: string;
  start: number;
  end: number;
}

/** Inclusive line range. */
export interface LineRange {
  start: number;
  end: number;
}

// A path: segments of letters, digits, `_ . + -`, separated by `/`.
const PATH = String.raw`(?:\.\/)?[A-Za-z0-9_.+-]+(?:\/[A-Za-z0-9_.+-]+)*`;
// `:L3-L9`, `:L3`, `:L3-9` or `#L3-L9`, `#L3` (groups: start, end, start, end).
const LINES = String.raw`:L(\d+)(?:-L?(\d+))?|#L(\d+)(?:-L(\d+))?`;
// Not inside a longer word, a URL (`https://host/a.rs#L3`) or a path.
const IN_PROSE = new RegExp(String.raw`(?<![A-Za-z0-9_.+\/:@#-])(${PATH})(?:${LINES})(?![A-Za-z0-9_])`, 'g');
// In a code span the whole span is the citation, so `:3-9` is one too.
const WHOLE = new RegExp(String.raw`^(${PATH})(?:${LINES}|:(\d+)-(\d+))$`);

function isPathLike(path: string): boolean {
  const segments = path.replace(/^\.\//, '').split('/');
  if (!segments.every((s) => s !== '' && s !== '.' && s !== '..' && /[A-Za-z]/.test(s))) return false;
  const last = segments[segments.length - 1] ?? '';
  // `src/lib` or a file name with an extension (`main.rs`, `.env`) or a known
  // name without one: a one-word token needs an extension not to be a word.
  return segments.length > 1 || /\.[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*$/.test(last) || KNOWN_NAMES.has(last);
}

const KNOWN_NAMES = new Set(['Makefile', 'Dockerfile', 'Containerfile', 'Procfile', 'Gemfile', 'Rakefile', 'Justfile', 'LICENSE', 'README']);

function citation(path: string, startRaw: string | undefined, endRaw: string | undefined): Citation | null {
  const clean = path.replace(/^\.\//, '');
  if (!startRaw || !isPathLike(clean)) return null;
  const start = Number(startRaw);
  const end = endRaw ? Number(endRaw) : start;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 1 || end < start) return null;
  return { path: clean, start, end };
}

/** The citation an inline code span is (`` `src/main.rs:L3-L9` ``), or `null`. */
export function parseCitation(text: string): Citation | null {
  const m = WHOLE.exec(text.trim());
  if (!m) return null;
  return citation(m[1] ?? '', m[2] ?? m[4] ?? m[6], m[3] ?? m[5] ?? m[7]);
}

/** Every citation in plain prose, in order. */
export function findCitations(text: string): CitationMatch[] {
  const out: CitationMatch[] = [];
  for (const m of text.matchAll(IN_PROSE)) {
    const found = citation(m[1] ?? '', m[2] ?? m[4], m[3] ?? m[5]);
    if (found && m.index !== undefined) out.push({ citation: found, text: m[0], start: m.index, end: m.index + m[0].length });
  }
  return out;
}

/** `#L3-L9` (or `#L3`) of the file view; `null` when the hash names no lines. */
export function parseLineHash(hash: string): LineRange | null {
  const m = /^#?L(\d+)(?:-L?(\d+))?$/.exec(hash.trim());
  if (!m) return null;
  const start = Number(m[1]);
  const end = m[2] ? Number(m[2]) : start;
  if (start < 1 || end < 1) return null;
  return start <= end ? { start, end } : { start: end, end: start };
}

export const lineHash = ({ start, end }: LineRange): string => (start === end ? `#L${start}` : `#L${start}-L${end}`);

/** The file view of a repository's file, at a commit, with a range highlighted. */
export function fileHref(repositoryId: string, path: string, options: { commit?: string | null; lines?: LineRange | null } = {}): string {
  const query = new URLSearchParams({ path });
  if (options.commit) query.set('commit', options.commit);
  return `/repositories/${encodeURIComponent(repositoryId)}/file?${query.toString()}${options.lines ? lineHash(options.lines) : ''}`;
}

/** The file view of a citation. */
export const citationHref = (repositoryId: string, commit: string | null | undefined, c: Citation): string =>
  fileHref(repositoryId, c.path, { commit, lines: { start: c.start, end: c.end } });
