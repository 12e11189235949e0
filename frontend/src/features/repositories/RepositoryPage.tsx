import { useState, type ReactNode } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { api, type Repository } from '../../api/client';
import { Button, focusRing } from '../../components/Button';
import { Card, PageHeader } from '../../components/Card';
import { ConfirmButton } from '../../components/ConfirmButton';
import { ErrorNotice, Loading } from '../../components/States';
import { useAction } from '../../hooks/useAction';
import { useAsync } from '../../hooks/useAsync';
import { formatDateTime, formatRelative, shortId } from '../../lib/format';
import { atLeast } from '../../lib/roles';
import { useMe } from '../auth/session';
import { RepoStatusBadge } from './RepoStatus';
import { progressText } from './repo';
import { sourceKind } from './repoForm';
import { usePollWhile } from './usePollWhile';

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="grid gap-1 py-2 sm:grid-cols-[10rem_1fr]">
      <dt className="text-sm text-slate-500 dark:text-slate-400">{label}</dt>
      <dd className="min-w-0 text-sm break-words">{children}</dd>
    </div>
  );
}

const link = `text-amber-700 underline dark:text-amber-400 ${focusRing}`;

/**
 * One repository: where it comes from, how its index stands, re-index and
 * delete. `extra` is what other features show about it (composed by the app).
 */
export function RepositoryPage({ extra }: { extra?: (repository: Repository) => ReactNode }) {
  const { repoId = '' } = useParams();
  const me = useMe();
  const navigate = useNavigate();
  const repo = useAsync((signal) => api.repositories.get(repoId, signal), [repoId]);
  const data = repo.data;
  usePollWhile(data?.status === 'indexing' || data?.status === 'pending', repo.reload);
  const [indexTask, setIndexTask] = useState<{ id: string; created: boolean } | null>(null);
  const reindex = useAction(async () => {
    const accepted = await api.repositories.index(repoId);
    setIndexTask({ id: accepted.task_id, created: accepted.created });
    repo.reload();
  });
  const remove = useAction(async () => {
    await api.repositories.remove(repoId);
    void navigate('/repositories', { replace: true });
  });

  if (repo.error && !data) return <ErrorNotice error={repo.error} onRetry={repo.reload} />;
  if (!data) return <Loading />;
  const progress = progressText(data);
  const share = data.progress_total > 0 ? Math.min(1, data.progress_done / data.progress_total) : 0;
  return (
    <div className="space-y-5">
      <PageHeader
        title={
          <span className="flex flex-wrap items-center gap-2">
            {data.name} <RepoStatusBadge status={data.status} />
          </span>
        }
        subtitle={
          <Link to="/repositories" className={link}>
            All repositories
          </Link>
        }
        actions={
          <>
            {atLeast(me.role, 'member') && (
              <Button variant="secondary" busy={reindex.busy} onClick={() => void reindex.run()}>
                Re-index
              </Button>
            )}
            {atLeast(me.role, 'admin') && (
              <ConfirmButton confirmLabel={`Delete ${data.name}`} onConfirm={() => void remove.run()} busy={remove.busy}>
                Delete
              </ConfirmButton>
            )}
          </>
        }
      />
      <ErrorNotice error={reindex.error ?? remove.error} />
      {indexTask && (
        <p role="status" className="rounded-md border border-sky-300 bg-sky-50 px-4 py-3 text-sm dark:border-sky-800 dark:bg-sky-950/50">
          {indexTask.created ? 'Index run started: ' : 'An index run was already queued or running: '}
          <Link to={`/tasks/${indexTask.id}`} className={link} data-testid="index-task-link">
            task {shortId(indexTask.id)}
          </Link>
          .
        </p>
      )}
      {data.status === 'failed' && data.error && (
        <div role="alert" className="rounded-md border border-red-300 bg-red-50 px-4 py-3 text-sm text-red-900 dark:border-red-800 dark:bg-red-950/60 dark:text-red-100">
          <p className="font-semibold">The last index run failed</p>
          <p className="mt-0.5">{data.error}</p>
        </div>
      )}
      {progress && (
        <Card title="Indexing">
          <p className="text-sm" data-testid="index-progress">
            {progress}
          </p>
          <div
            role="progressbar"
            aria-label="Index progress"
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={Math.round(share * 100)}
            className="mt-2 h-2 overflow-hidden rounded-full bg-slate-200 dark:bg-slate-800"
          >
            <div className="h-full rounded-full bg-sky-500 transition-[width]" style={{ width: `${share * 100}%` }} />
          </div>
        </Card>
      )}
      {extra?.(data)}
      <Card title="Details">
        <dl className="divide-y divide-slate-100 dark:divide-slate-800">
          <Row label={`Source (${sourceKind(data.source)})`}>
            <code className="font-mono text-xs">{data.source}</code>
          </Row>
          <Row label="Default branch">{data.default_branch ?? '—'}</Row>
          <Row label="Indexed commit">
            {data.indexed_commit ? <code className="font-mono text-xs">{data.indexed_commit}</code> : 'not indexed yet'}
          </Row>
          <Row label="Indexed">{data.indexed_at ? `${formatRelative(data.indexed_at)} (${formatDateTime(data.indexed_at)})` : '—'}</Row>
          <Row label="Contents">
            <span data-testid="repo-counts">
              {data.file_count} files · {data.chunk_count} chunks · {data.symbol_count} symbols
            </span>
          </Row>
          <Row label="Latest index task">
            {data.index_task_id ? (
              <Link to={`/tasks/${data.index_task_id}`} className={`font-mono ${link}`}>
                {shortId(data.index_task_id)}
              </Link>
            ) : (
              '—'
            )}
          </Row>
          <Row label="Index runs">{data.index_generation}</Row>
          <Row label="Added">{formatDateTime(data.created_at)}</Row>
        </dl>
      </Card>
    </div>
  );
}
