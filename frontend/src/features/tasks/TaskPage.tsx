import { useEffect, useMemo, useRef } from 'react';
import { Link, useParams } from 'react-router';
import { api, type Task } from '../../api/client';
import { focusRing } from '../../components/Button';
import { Card, PageHeader } from '../../components/Card';
import { ConfirmButton } from '../../components/ConfirmButton';
import { JsonView } from '../../components/JsonView';
import { StatusBadge } from '../../components/StatusBadge';
import { EmptyState, ErrorNotice, Loading } from '../../components/States';
import { useAction } from '../../hooks/useAction';
import { useAsync } from '../../hooks/useAsync';
import { between, formatDateTime, formatDuration, formatUsd, isFinalStatus } from '../../lib/format';
import { atLeast } from '../../lib/roles';
import { useMe } from '../auth/session';
import { ApprovalPanel } from './ApprovalPanel';
import { Checkpoints } from './Checkpoints';
import { documentLink } from './documentLink';
import { Timeline } from './Timeline';
import { buildTimeline } from './timeline';
import { useTaskEvents, type Connection } from './useTaskEvents';

/** Events after which the task row or its checkpoints have changed. */
const CHANGES_TASK = new Set(['task.running', 'node.finished', 'node.failed', 'interrupt', 'resumed', 'task.done', 'task.failed', 'task.canceled']);

const connectionText: Record<Connection, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  ended: 'Finished',
  failed: 'Live updates stopped',
};

function Fact({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="min-w-0">
      <dt className="text-xs text-slate-500 dark:text-slate-400">{label}</dt>
      <dd className="truncate text-sm">{children}</dd>
    </div>
  );
}

export function TaskPage() {
  const { taskId = '' } = useParams();
  const me = useMe();
  const task = useAsync((signal) => api.tasks.get(taskId, signal), [taskId]);
  const checkpoints = useAsync((signal) => api.tasks.checkpoints(taskId, signal), [taskId]);
  const live = useTaskEvents(taskId);
  const timeline = useMemo(() => buildTimeline(live.events), [live.events]);
  const cancel = useAction(async () => {
    await api.tasks.cancel(taskId);
    task.reload();
  });

  // Refresh the task and its checkpoints when the stream says they changed.
  const seen = useRef(0);
  const { reload: reloadTask } = task;
  const { reload: reloadCheckpoints } = checkpoints;
  useEffect(() => {
    const fresh = live.events.filter((e) => e.seq > seen.current);
    if (fresh.length === 0) return;
    seen.current = fresh[fresh.length - 1]!.seq;
    if (fresh.some((e) => CHANGES_TASK.has(e.kind))) {
      reloadTask();
      reloadCheckpoints();
    }
  }, [live.events, reloadTask, reloadCheckpoints]);
  useEffect(() => {
    seen.current = 0;
  }, [taskId]);

  if (task.error && task.data?.id !== taskId) {
    return (
      <div className="space-y-4">
        <PageHeader title="Task" />
        <ErrorNotice error={task.error} onRetry={task.reload} />
        <Link to="/tasks" className={`text-sm text-amber-700 underline dark:text-amber-400 ${focusRing}`}>
          Back to tasks
        </Link>
      </div>
    );
  }
  // After navigating to another task (a replay), the previous one stays in
  // `task.data` until the new one arrives.
  if (!task.data || task.data.id !== taskId) return <Loading label="Loading the task…" />;

  const t: Task = task.data;
  const final = isFinalStatus(t.status);
  const canAct = atLeast(me.role, 'member');
  const writtenDocument = documentLink(t);
  return (
    <div className="space-y-5">
      <PageHeader
        title={
          <span className="flex flex-wrap items-center gap-3">
            <span className="font-mono">{t.kind}</span>
            <StatusBadge status={t.status} />
          </span>
        }
        subtitle={<span className="font-mono text-xs break-all">{t.id}</span>}
        actions={
          !final && canAct ? (
            <ConfirmButton confirmLabel="Cancel this task" onConfirm={() => void cancel.run()} busy={cancel.busy}>
              {t.cancel_requested ? 'Cancel requested' : 'Cancel task'}
            </ConfirmButton>
          ) : undefined
        }
      />
      <ErrorNotice error={cancel.error} />

      <dl className="grid grid-cols-2 gap-3 sm:grid-cols-4">
        <Fact label="Created">{formatDateTime(t.created_at)}</Fact>
        <Fact label="Run time">{formatDuration(between(t.started_at, t.finished_at))}</Fact>
        <Fact label="Model cost">{formatUsd(t.cost_usd)}</Fact>
        <Fact label="Trace">
          <span className="font-mono text-xs" title={t.trace_id}>
            {t.trace_id}
          </span>
        </Fact>
      </dl>

      {writtenDocument && (
        <div
          role="status"
          className="flex flex-wrap items-center justify-between gap-3 rounded-md border border-emerald-300 bg-emerald-50 px-4 py-3 text-sm text-emerald-950 dark:border-emerald-800 dark:bg-emerald-950/50 dark:text-emerald-100"
        >
          <p>The document is written and verified.</p>
          <Link
            to={writtenDocument}
            data-testid="open-document"
            className={`inline-flex min-h-9 items-center rounded-md bg-amber-600 px-3 py-1.5 font-medium text-white hover:bg-amber-700 dark:bg-amber-500 dark:text-slate-950 dark:hover:bg-amber-400 ${focusRing}`}
          >
            Open document
          </Link>
        </div>
      )}

      {t.status === 'waiting_approval' && (
        <ApprovalPanel
          task={t}
          onDecided={() => {
            task.reload();
          }}
        />
      )}

      {t.error && (
        <div role="alert" className="rounded-md border border-red-300 bg-red-50 px-4 py-3 text-sm text-red-900 dark:border-red-800 dark:bg-red-950/60 dark:text-red-100">
          <p className="font-semibold">The task {t.status === 'canceled' ? 'was canceled' : 'failed'}</p>
          <p className="mt-0.5 break-words">{t.error}</p>
        </div>
      )}

      <div className="grid gap-5 lg:grid-cols-5">
        <Card
          title="Timeline"
          className="lg:col-span-3"
          actions={
            <span className="text-xs text-slate-500 dark:text-slate-400" role="status" data-connection={live.connection}>
              {connectionText[live.connection]}
            </span>
          }
        >
          {live.connection === 'failed' && <ErrorNotice error={live.error ?? new Error('The event stream stopped. Reload the page to try again.')} />}
          {timeline.length === 0 ? (
            live.connection === 'connecting' ? <Loading label="Connecting to the event stream…" /> : <EmptyState title="No events yet" />
          ) : (
            <Timeline items={timeline} />
          )}
        </Card>

        <div className="space-y-5 lg:col-span-2">
          {t.result != null && (
            <Card title="Result">
              <JsonView value={t.result} label="Result" />
            </Card>
          )}
          <Card title="Input">
            <JsonView value={t.input} label="Input" />
          </Card>
        </div>
      </div>

      <Card title={`Checkpoints${checkpoints.data ? ` (${checkpoints.data.length})` : ''}`}>
        {checkpoints.error ? (
          <ErrorNotice error={checkpoints.error} onRetry={checkpoints.reload} />
        ) : !checkpoints.data ? (
          <Loading />
        ) : (
          <Checkpoints taskId={t.id} checkpoints={checkpoints.data} canReplay={canAct} />
        )}
      </Card>
    </div>
  );
}
