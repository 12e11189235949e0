import type { ReactNode } from 'react';

/** One figure with its label and a line under it. */
export function StatTile({ label, value, note, testId }: { label: string; value: ReactNode; note?: ReactNode; testId?: string }) {
  return (
    <div className="rounded-md border border-slate-200 px-3 py-2 dark:border-slate-700">
      <dt className="text-xs text-slate-500 dark:text-slate-400">{label}</dt>
      <dd>
        <span className="block text-2xl font-semibold tabular-nums" data-testid={testId}>
          {value}
        </span>
        {note && <span className="block text-xs text-slate-500 dark:text-slate-400">{note}</span>}
      </dd>
    </div>
  );
}
