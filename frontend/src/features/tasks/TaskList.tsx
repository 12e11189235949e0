import { Link } from 'react-router';
import type { Task } from '../../api/client';
import { focusRing } from '../../components/Button';
import { StatusBadge } from '../../components/StatusBadge';
import { between, formatDuration, formatRelative, shortId } from '../../lib/format';
import { inputSummary } from './summary';

/** Tasks as rows that stack into cards on a phone; each opens its task page. */
export function TaskList({ tasks }: { tasks: Task[] }) {
  return (
    <ul className="divide-y divide-slate-200 dark:divide-slate-800" aria-label="Tasks">
      {tasks.map((t) => (
        <li key={t.id}>
          <Link
            to={`/tasks/${t.id}`}
            className={`grid grid-cols-[1fr_auto] items-center gap-x-4 gap-y-1 rounded-md px-2 py-3 hover:bg-slate-100 sm:grid-cols-[8rem_7rem_1fr_6rem_7rem] dark:hover:bg-slate-800/60 ${focusRing}`}
            data-task-id={t.id}
          >
            <span className="sm:order-none">
              <StatusBadge status={t.status} />
            </span>
            <span className="text-right font-mono text-sm sm:text-left">{t.kind}</span>
            <span className="col-span-2 truncate text-sm text-slate-600 sm:col-span-1 dark:text-slate-300">
              {inputSummary(t.input) || <span className="font-mono text-xs">{shortId(t.id)}</span>}
            </span>
            <span className="text-xs tabular-nums text-slate-500 sm:text-right dark:text-slate-400">
              {formatDuration(between(t.started_at, t.finished_at))}
            </span>
            <time dateTime={t.created_at} className="text-right text-xs text-slate-500 dark:text-slate-400">
              {formatRelative(t.created_at)}
            </time>
          </Link>
        </li>
      ))}
    </ul>
  );
}
