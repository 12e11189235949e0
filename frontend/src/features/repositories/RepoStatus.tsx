import type { RepositoryStatus } from '../../api/client';

const styles: Record<RepositoryStatus, string> = {
  pending: 'bg-slate-200 text-slate-800 dark:bg-slate-700 dark:text-slate-100',
  indexing: 'bg-sky-100 text-sky-900 dark:bg-sky-900/60 dark:text-sky-100',
  ready: 'bg-emerald-100 text-emerald-900 dark:bg-emerald-900/60 dark:text-emerald-100',
  failed: 'bg-red-100 text-red-900 dark:bg-red-900/60 dark:text-red-100',
};

export function RepoStatusBadge({ status }: { status: RepositoryStatus }) {
  return (
    <span
      data-repo-status={status}
      className={`inline-flex items-center gap-1 whitespace-nowrap rounded-full px-2 py-0.5 text-xs font-medium ${styles[status]}`}
    >
      {status === 'indexing' && <span aria-hidden className="size-1.5 animate-pulse rounded-full bg-current" />}
      {status}
    </span>
  );
}
