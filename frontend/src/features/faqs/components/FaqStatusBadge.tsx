import type { FaqStatus } from '../types';

const styles: Record<FaqStatus, string> = {
  draft: 'bg-slate-200 text-slate-800 dark:bg-slate-700 dark:text-slate-100',
  published: 'bg-emerald-100 text-emerald-900 dark:bg-emerald-900/60 dark:text-emerald-100',
  archived: 'bg-zinc-200 text-zinc-700 dark:bg-zinc-700 dark:text-zinc-200',
};

/** Draft (editors only), published (answered with) or archived (kept, not answered with). */
export function FaqStatusBadge({ status }: { status: FaqStatus }) {
  return (
    <span data-faq-status={status} className={`inline-flex items-center rounded-full px-2 py-0.5 text-xs font-medium whitespace-nowrap ${styles[status]}`}>
      {status}
    </span>
  );
}
