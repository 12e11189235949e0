import { Link } from 'react-router';
import { api } from '../../api/client';
import { focusRing } from '../../components/Button';
import { Card, PageHeader } from '../../components/Card';
import { EmptyState, ErrorNotice, Loading } from '../../components/States';
import { useAsync } from '../../hooks/useAsync';
import { formatRelative, shortCommit } from '../../lib/format';
import { atLeast } from '../../lib/roles';
import { useMe } from '../auth/session';
import { AddRepositoryForm } from './AddRepositoryForm';
import { RepoStatusBadge } from './RepoStatus';
import { progressText } from './repo';
import { usePollWhile } from './usePollWhile';

/** The tenant's repositories: their index status and counts, and a form to add one. */
export function RepositoriesPage() {
  const me = useMe();
  const list = useAsync((signal) => api.repositories.list(signal), []);
  const repos = list.data?.repositories;
  usePollWhile(Boolean(repos?.some((r) => r.status === 'indexing' || r.status === 'pending')), list.reload);
  return (
    <div className="space-y-5">
      <PageHeader title="Repositories" subtitle="Code your agents index and read" />
      {atLeast(me.role, 'member') && (
        <Card title="Add a repository">
          <AddRepositoryForm />
        </Card>
      )}
      <Card title="Repositories">
        {list.error ? (
          <ErrorNotice error={list.error} onRetry={list.reload} />
        ) : !repos ? (
          <Loading />
        ) : repos.length === 0 ? (
          <EmptyState title="No repositories yet">Add one above: it is indexed right away.</EmptyState>
        ) : (
          <ul className="divide-y divide-slate-200 dark:divide-slate-800" aria-label="Repositories">
            {repos.map((r) => (
              <li key={r.id}>
                <Link
                  to={`/repositories/${r.id}`}
                  data-repo-id={r.id}
                  className={`-mx-2 block rounded-md px-2 py-3 hover:bg-slate-50 dark:hover:bg-slate-800/60 ${focusRing}`}
                >
                  <div className="flex flex-wrap items-center gap-2">
                    <RepoStatusBadge status={r.status} />
                    <span className="font-medium">{r.name}</span>
                    <span className="min-w-0 truncate font-mono text-xs text-slate-500 dark:text-slate-400">{r.source}</span>
                  </div>
                  <p className="mt-1 text-xs text-slate-500 dark:text-slate-400">
                    {progressText(r) ?? `${r.file_count} files · ${r.chunk_count} chunks · ${r.symbol_count} symbols`} · commit{' '}
                    <code className="font-mono">{shortCommit(r.indexed_commit)}</code>
                    {r.indexed_at && ` · indexed ${formatRelative(r.indexed_at)}`}
                  </p>
                  {r.status === 'failed' && r.error && <p className="mt-1 text-xs text-red-700 dark:text-red-300">{r.error}</p>}
                </Link>
              </li>
            ))}
          </ul>
        )}
      </Card>
    </div>
  );
}
