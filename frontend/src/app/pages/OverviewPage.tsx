import { Link } from 'react-router';
import { focusRing } from '../../components/Button';
import { Card, PageHeader } from '../../components/Card';
import { EmptyState, ErrorNotice, Loading } from '../../components/States';
import { api } from '../../api/client';
import { useMe } from '../../features/auth';
import { SpendTodayCard } from '../../features/usage';
import { RecentDocuments } from '../../features/documents';
import { PendingApprovals, TaskList, useTaskCounts } from '../../features/tasks';
import { useAsync } from '../../hooks/useAsync';
import { humanize } from '../../lib/format';

/** The first page after signing in: how the organisation's tasks stand. */
export function OverviewPage() {
  const me = useMe();
  const counts = useTaskCounts();
  const recent = useAsync((signal) => api.tasks.list({ limit: 8 }, signal), []);
  return (
    <div className="space-y-5">
      <PageHeader title="Overview" subtitle={`${me.tenant.name}`} />
      <Card
        title="Tasks by status"
        actions={
          counts.data && (
            <span className="text-sm text-slate-500 dark:text-slate-400" data-testid="count-total">
              {counts.data.total} in all
            </span>
          )
        }
      >
        {counts.error ? (
          <ErrorNotice error={counts.error} onRetry={counts.reload} />
        ) : !counts.data ? (
          <Loading />
        ) : (
          <ul className="grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-6" aria-label="Tasks by status">
            {counts.data.byStatus.map((c) => (
              <li key={c.status}>
                <Link
                  to={`/tasks?status=${c.status}`}
                  data-status={c.status}
                  className={`block rounded-md border border-slate-200 px-3 py-2 hover:border-amber-400 dark:border-slate-700 ${focusRing}`}
                >
                  <span className="block text-2xl font-semibold tabular-nums" data-testid={`count-${c.status}`}>
                    {c.count}
                  </span>
                  <span className="text-xs text-slate-500 capitalize dark:text-slate-400">{humanize(c.status)}</span>
                </Link>
              </li>
            ))}
          </ul>
        )}
      </Card>
      <div className="grid gap-5 lg:grid-cols-3">
        <Card
          title="Recent tasks"
          className="lg:col-span-2"
          actions={
            <Link to="/tasks" className={`text-sm text-amber-700 underline dark:text-amber-400 ${focusRing}`}>
              All tasks
            </Link>
          }
        >
          {recent.error ? (
            <ErrorNotice error={recent.error} onRetry={recent.reload} />
          ) : !recent.data ? (
            <Loading />
          ) : recent.data.tasks.length === 0 ? (
            <EmptyState title="No tasks yet">
              <Link to="/tasks/new" className="underline">
                Start a task
              </Link>{' '}
              — try the <code>echo</code> kind, which needs no model.
            </EmptyState>
          ) : (
            <TaskList tasks={recent.data.tasks} />
          )}
        </Card>
        <div className="space-y-5">
          <Card
            title="Recent documents"
            actions={
              <Link to="/documents" className={`text-sm text-amber-700 underline dark:text-amber-400 ${focusRing}`}>
                All documents
              </Link>
            }
          >
            <RecentDocuments limit={5} />
          </Card>
          <SpendTodayCard />
          <Card title="Waiting for approval">
            <PendingApprovals />
          </Card>
        </div>
      </div>
    </div>
  );
}
