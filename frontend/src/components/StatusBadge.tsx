import type { TaskStatus } from '../api/client';
import { humanize } from '../lib/format';

const styles: Record<TaskStatus, string> = {
  queued: 'bg-slate-200 text-slate-800 dark:bg-slate-700 dark:text-slate-100',
  running: 'bg-sky-100 text-sky-900 dark:bg-sky-900/60 dark:text-sky-100',
  waiting_approval: 'bg-amber-100 text-amber-900 dark:bg-amber-900/60 dark:text-amber-100',
  done: 'bg-emerald-100 text-emerald-900 dark:bg-emerald-900/60 dark:text-emerald-100',
  failed: 'bg-red-100 text-red-900 dark:bg-red-900/60 dark:text-red-100',
  canceled: 'bg-zinc-200 text-zinc-700 dark:bg-zinc-700 dark:text-zinc-200',
};

export function StatusBadge({ status }: { status: TaskStatus }) {
  return (
    <span
      data-status={status}
      className={`inline-flex items-center gap-1 whitespace-nowrap rounded-full px-2 py-0.5 text-xs font-medium ${styles[status]}`}
    >
      {status === 'running' && <span aria-hidden className="size-1.5 animate-pulse rounded-full bg-current" />}
      {humanize(status)}
    </span>
  );
}
