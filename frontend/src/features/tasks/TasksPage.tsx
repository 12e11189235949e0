import { Link, useSearchParams } from 'react-router';
import { api } from '../../api/client';
import { Button, focusRing } from '../../components/Button';
import { Card, PageHeader } from '../../components/Card';
import { Pager } from '../../components/Pager';
import { SelectField } from '../../components/Field';
import { EmptyState, ErrorNotice, Loading } from '../../components/States';
import { useAsync } from '../../hooks/useAsync';
import { useCursorPages } from '../../hooks/useCursorPages';
import { humanize } from '../../lib/format';
import { atLeast } from '../../lib/roles';
import { useMe } from '../auth/session';
import { TASK_STATUSES, isTaskStatus } from './statuses';
import { TaskList } from './TaskList';

const PAGE_SIZE = 20;

export function TasksPage() {
  const me = useMe();
  const [params, setParams] = useSearchParams();
  const status = isTaskStatus(params.get('status')) ? params.get('status')! : '';
  const kind = params.get('kind') ?? '';
  // New filters start again at the newest.
  const pages = useCursorPages(`${status}|${kind}`);
  const cursor = pages.cursor;
  const page = useAsync(
    (signal) => api.tasks.list({ status: status || undefined, kind: kind || undefined, cursor, limit: PAGE_SIZE }, signal),
    [status, kind, cursor],
  );
  const kinds = useAsync((signal) => api.tasks.kinds(signal), []);

  const setFilter = (key: 'status' | 'kind', value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  };

  const filtered = Boolean(status || kind);
  return (
    <div>
      <PageHeader
        title="Tasks"
        subtitle="Every agent run in your organisation, newest first."
        actions={
          atLeast(me.role, 'member') ? (
            <Link
              to="/tasks/new"
              className={`inline-flex min-h-9 items-center rounded-md bg-amber-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-amber-700 dark:bg-amber-500 dark:text-slate-950 dark:hover:bg-amber-400 ${focusRing}`}
            >
              New task
            </Link>
          ) : undefined
        }
      />
      <Card>
        <div className="mb-4 grid gap-3 sm:flex sm:items-end">
          <SelectField label="Status" value={status} onChange={(e) => setFilter('status', e.target.value)} className="sm:w-48">
            <option value="">Any status</option>
            {TASK_STATUSES.map((s) => (
              <option key={s} value={s}>
                {humanize(s)}
              </option>
            ))}
          </SelectField>
          <SelectField label="Kind" value={kind} onChange={(e) => setFilter('kind', e.target.value)} className="sm:w-48">
            <option value="">Any kind</option>
            {(kinds.data ?? []).map((k) => (
              <option key={k.kind} value={k.kind}>
                {k.kind}
              </option>
            ))}
            {kind && !kinds.data?.some((k) => k.kind === kind) && <option value={kind}>{kind}</option>}
          </SelectField>
          {filtered && (
            <Button variant="ghost" onClick={() => setParams(new URLSearchParams(), { replace: true })}>
              Clear filters
            </Button>
          )}
        </div>

        {page.error ? (
          <ErrorNotice error={page.error} onRetry={page.reload} />
        ) : !page.data ? (
          <Loading label="Loading tasks…" />
        ) : page.data.tasks.length === 0 ? (
          <EmptyState title={filtered ? 'No tasks match these filters' : 'No tasks yet'}>
            {filtered ? (
              'Try another status or kind.'
            ) : (
              <>
                <Link to="/tasks/new" className="underline">
                  Start a task
                </Link>
                : the <code>echo</code> kind needs no model.
              </>
            )}
          </EmptyState>
        ) : (
          <div aria-busy={page.loading}>
            <TaskList tasks={page.data.tasks} />
          </div>
        )}

        <Pager
          page={pages.page}
          nextCursor={page.data?.next_cursor}
          loading={page.loading}
          onNewer={pages.newer}
          onOlder={pages.older}
        />
      </Card>
    </div>
  );
}
