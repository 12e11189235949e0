// A unified diff (`git diff` style, as the document and FAQ diff endpoints send
// it) as hunks of numbered lines, to show added and removed lines in colour.

export type DiffLineKind = 'context' | 'added' | 'removed';

export interface DiffLine {
  kind: DiffLineKind;
  text: string;
  /** The line's number in the old text; `null` for an added line. */
  oldLine: number | null;
  /** The line's number in the new text; `null` for a removed line. */
  newLine: number | null;
  /** The diff said `\ No newline at end of file` after it. */
  noNewline?: boolean;
}

export interface DiffHunk {
  header: string;
  oldStart: number;
  oldCount: number;
  newStart: number;
  newCount: number;
  lines: DiffLine[];
}

export interface ParsedDiff {
  /** From the `---` and `+++` lines, when present (`v1`, `v2`). */
  oldName: string | null;
  newName: string | null;
  hunks: DiffHunk[];
}

const HUNK = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

/**
 * Parses a unified diff. A hunk ends when it has as many lines as its header
 * says, so a removed Markdown rule (`----`) is not read as a file header.
 */
export function parseUnifiedDiff(text: string): ParsedDiff {
  const out: ParsedDiff = { oldName: null, newName: null, hunks: [] };
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  let hunk: DiffHunk | null = null;
  let oldLeft = 0;
  let newLeft = 0;
  let oldNo = 0;
  let newNo = 0;
  for (const raw of lines) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (hunk && (oldLeft > 0 || newLeft > 0)) {
      const mark = line.charAt(0);
      const body = line.slice(1);
      if (mark === '+') {
        hunk.lines.push({ kind: 'added', text: body, oldLine: null, newLine: newNo++ });
        newLeft--;
        continue;
      }
      if (mark === '-') {
        hunk.lines.push({ kind: 'removed', text: body, oldLine: oldNo++, newLine: null });
        oldLeft--;
        continue;
      }
      if (mark === ' ' || line === '') {
        // Some tools trim the space of an empty context line.
        hunk.lines.push({ kind: 'context', text: body, oldLine: oldNo++, newLine: newNo++ });
        oldLeft--;
        newLeft--;
        continue;
      }
    }
    if (line.startsWith('\\')) {
      const last = hunk?.lines[hunk.lines.length - 1];
      if (last) last.noNewline = true;
      continue;
    }
    const header = HUNK.exec(line);
    if (header) {
      const [, oldStart = '0', oldCount = '1', newStart = '0', newCount = '1'] = header;
      hunk = {
        header: line,
        oldStart: Number(oldStart),
        oldCount: Number(oldCount),
        newStart: Number(newStart),
        newCount: Number(newCount),
        lines: [],
      };
      out.hunks.push(hunk);
      oldLeft = hunk.oldCount;
      newLeft = hunk.newCount;
      // An empty side starts "after line N": its first line is N + 1.
      oldNo = hunk.oldCount === 0 ? hunk.oldStart + 1 : hunk.oldStart;
      newNo = hunk.newCount === 0 ? hunk.newStart + 1 : hunk.newStart;
      continue;
    }
    if (line.startsWith('--- ') && out.hunks.length === 0) out.oldName = line.slice(4).trim();
    else if (line.startsWith('+++ ') && out.hunks.length === 0) out.newName = line.slice(4).trim();
  }
  return out;
}
