import { useMemo } from 'react';
import type { VersionDiff } from '../../api/client';
import { DiffTable } from '../../components/DiffTable';
import { shortCommit } from '../../lib/format';
import { parseUnifiedDiff } from '../../lib/unifiedDiff';

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
        <DiffTable hunks={parsed.hunks} label={`Changes from version ${diff.from} to ${diff.to}`} hunkHeaders newlineNotes />
      )}
    </div>
  );
}
