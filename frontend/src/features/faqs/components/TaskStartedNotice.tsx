import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { textLink } from './styles';

/** A task was started: where to watch it, and what happens when it is done. */
export function TaskStartedNotice({ taskId, children }: { taskId: string; children: ReactNode }) {
  return (
    <p role="status" className="rounded-md border border-emerald-300 bg-emerald-50 px-3 py-2 text-sm text-emerald-950 dark:border-emerald-800 dark:bg-emerald-950/50 dark:text-emerald-100">
      {children}{' '}
      <Link to={`/tasks/${encodeURIComponent(taskId)}`} className={textLink}>
        Open the task
      </Link>
    </p>
  );
}
