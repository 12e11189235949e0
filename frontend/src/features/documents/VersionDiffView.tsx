import { useMemo } from 'react';
import type { VersionDiff } from '../../api/client';
import { shortCommit } from '../../lib/format';
import { parseUnifiedDiff, type DiffLineKind } from './unifiedDiff';

const rowStyle: Record<DiffLineKind, string> = {
  added: 'bg-emerald-50 text-emerald-950 dark:bg-emerald-950/50 dark:text-emerald-100',
  removed: 'bg-red-50 text-red-950 dark:bg-red-950/50 dark:text-red-100',
  context: '',
};
const sign: Record<DiffLineKind, string> = { added: '+', removed: '−', context: ' ' };
const spoken: Record<DiffLineKind, string> = { added: 'added', removed: 'removed', context: '' };

/** Two versions' Markdown compared: the unified diff's lines, added in green and removed in red. */
export function VersionDiffView({ diff }: { diff: VersionDiff }) {
  const parsed = useMemo(() => parseUnifiedDiff(diff.unified), [diff.unified]);
  return (
    <div className="space-y-3">
      <p className="text-sm" data-testid="diff-summary">
        Version {diff.from} <span className="font-mono text-xs">({shortCommit(diff.from_commit)})</span> → version {diff.to}{' '}
        <span className="font-mono text-xs">({shortCommit(diff.to_commit)})</span>:{' '}
        <span className="font-medium text-emerald-700 dark:text-emerald-400">+{diff.added}</span>{' '}
        <span className="font-medium text-red-700 dark:text-red-400">−{diff.removed}</span> lines
      </p>
      {parsed.hunks.length === 0 ? (
        <p className="text-sm text-slate-500 dark:text-slate-400">The two versions have the same text.</p>
      ) : (
        <div className="overflow-x-auto rounded-md border border-slate-200 dark:border-slate-700" tabIndex={0} aria-label="Changes">
          <table className="w-full border-collapse font-mono text-xs leading-5" aria-label={`Changes from version ${diff.from} to ${diff.to}`}>
            {parsed.hunks.map((hunk, h) => (
              <tbody key={h}>
                <tr className="bg-sky-50 text-sky-900 dark:bg-sky-950/50 dark:text-sky-200">
                  <td colSpan={4} className="px-2 py-1 select-none">
                    {hunk.header}
                  </td>
                </tr>
                {hunk.lines.map((line, i) => (
                  <tr key={i} data-diff={line.kind} className={rowStyle[line.kind]}>
                    <td className="w-10 px-2 text-right text-slate-400 select-none">{line.oldLine ?? ''}</td>
                    <td className="w-10 px-2 text-right text-slate-400 select-none">{line.newLine ?? ''}</td>
                    <td className="w-4 text-center select-none" aria-hidden>
                      {sign[line.kind]}
                    </td>
                    <td className="pr-3 whitespace-pre-wrap break-words">
                      {spoken[line.kind] && <span className="sr-only">{spoken[line.kind]}: </span>}
                      {line.text}
                      {line.noNewline && <span className="ml-2 text-slate-400">(no newline at end)</span>}
                    </td>
                  </tr>
                ))}
              </tbody>
            ))}
          </table>
        </div>
      )}
    </div>
  );
}
