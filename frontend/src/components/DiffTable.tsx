import type { DiffHunk, DiffLineKind } from '../lib/unifiedDiff';

const rowStyle: Record<DiffLineKind, string> = {
  added: 'bg-emerald-50 text-emerald-950 dark:bg-emerald-950/50 dark:text-emerald-100',
  removed: 'bg-red-50 text-red-950 dark:bg-red-950/50 dark:text-red-100',
  context: '',
};
const sign: Record<DiffLineKind, string> = { added: '+', removed: '−', context: ' ' };
const spoken: Record<DiffLineKind, string> = { added: 'added', removed: 'removed', context: '' };

/**
 * A parsed unified diff as a table: both line numbers, added lines in green
 * and removed in red (said to screen readers too). Scrolls sideways on a phone.
 */
export function DiffTable({
  hunks,
  label,
  hunkHeaders = false,
  newlineNotes = false,
}: {
  hunks: readonly DiffHunk[];
  /** The table's accessible name, e.g. `Changes from version 1 to 2`. */
  label: string;
  /** Show each hunk's `@@ … @@` line. */
  hunkHeaders?: boolean;
  /** Say where the diff marked a line as having no newline at the end. */
  newlineNotes?: boolean;
}) {
  return (
    <div className="overflow-x-auto rounded-md border border-slate-200 dark:border-slate-700" tabIndex={0} aria-label="Changes">
      <table className="w-full border-collapse font-mono text-xs leading-5" aria-label={label}>
        {hunks.map((hunk, h) => (
          <tbody key={h}>
            {hunkHeaders && (
              <tr className="bg-sky-50 text-sky-900 dark:bg-sky-950/50 dark:text-sky-200">
                <td colSpan={4} className="px-2 py-1 select-none">
                  {hunk.header}
                </td>
              </tr>
            )}
            {hunk.lines.map((line, i) => (
              <tr key={i} data-diff={line.kind} className={rowStyle[line.kind]}>
                <td className="w-10 px-2 text-right text-slate-400 select-none">{line.oldLine ?? ''}</td>
                <td className="w-10 px-2 text-right text-slate-400 select-none">{line.newLine ?? ''}</td>
                <td className="w-4 text-center select-none" aria-hidden>
                  {sign[line.kind]}
                </td>
                <td className="pr-3 break-words whitespace-pre-wrap">
                  {spoken[line.kind] && <span className="sr-only">{spoken[line.kind]}: </span>}
                  {line.text}
                  {newlineNotes && line.noNewline && <span className="ml-2 text-slate-400">(no newline at end)</span>}
                </td>
              </tr>
            ))}
          </tbody>
        ))}
      </table>
    </div>
  );
}
