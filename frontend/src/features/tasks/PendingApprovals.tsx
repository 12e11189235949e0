import { Link } from 'react-router';
import { api } from '../../api/client';
import { focusRing } from '../../components/Button';
import { EmptyState, ErrorNotice, Loading } from '../../components/States';
import { useAsync } from '../../hooks/useAsync';
import { formatRelative, shortId } from '../../lib/format';

/** Tasks waiting for a person's decision, linking to where it is made. */
export function PendingApprovals() {
  const approvals = useAsync((signal) => api.approvals.list({ status: 'pending', limit: 20 }, signal), []);
  if (approvals.error) return <ErrorNotice error={approvals.error} onRetry={approvals.reload} />;
  if (!approvals.data) return <Loading />;
  if (approvals.data.length === 0) return <EmptyState title="Nothing waits for approval" />;
  return (
    <ul className="divide-y divide-slate-200 dark:divide-slate-800">
      {approvals.data.map((a) => {
        const question =
          typeof a.payload === 'object' && a.payload !== null && typeof (a.payload as { question?: unknown }).question === 'string'
            ? (a.payload as { question: string }).question
            : `${a.node} asks for a decision`;
        return (
          <li key={a.checkpoint_id}>
            <Link to={`/tasks/${a.task_id}`} className={`block rounded-md px-2 py-2 hover:bg-slate-100 dark:hover:bg-slate-800/60 ${focusRing}`}>
              <span className="block text-sm font-medium">{question}</span>
              <span className="text-xs text-slate-500 dark:text-slate-400">
                <span className="font-mono">{a.task_kind}</span> · {shortId(a.task_id)} · {formatRelative(a.requested_at)}
              </span>
            </Link>
          </li>
        );
      })}
    </ul>
  );
}
