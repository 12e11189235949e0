import { useMemo } from 'react';
import { DiffTable } from '../../../components/DiffTable';
import { parseUnifiedDiff } from '../../../lib/unifiedDiff';
import type { FaqDiff } from '../types';

/** Two versions of an FAQ compared (its question as a `##` heading, then its answer): added lines in green, removed in red. */
export function FaqDiffView({ diff }: { diff: FaqDiff }) {
  const parsed = useMemo(() => parseUnifiedDiff(diff.diff), [diff.diff]);
  const lines = parsed.hunks.flatMap((h) => h.lines);
  const added = lines.filter((l) => l.kind === 'added').length;
  const removed = lines.filter((l) => l.kind === 'removed').length;
  return (
    <div className="space-y-3">
      <p className="text-sm" data-testid="diff-summary">
        Version {diff.from} → version {diff.to}: <span className="font-medium text-emerald-700 dark:text-emerald-400">+{added}</span>{' '}
        <span className="font-medium text-red-700 dark:text-red-400">−{removed}</span> lines
      </p>
      {parsed.hunks.length === 0 ? (
        <p className="text-sm text-slate-500 dark:text-slate-400">
          The question and answer read the same in both versions: the change was to the category, tags, language or status.
        </p>
      ) : (
        <DiffTable hunks={parsed.hunks} label={`Changes from version ${diff.from} to ${diff.to}`} />
      )}
    </div>
  );
}
