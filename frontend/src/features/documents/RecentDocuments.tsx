import { Link } from 'react-router';
import { api } from '../../api/client';
import { focusRing } from '../../components/Button';
import { EmptyState, ErrorNotice, Loading } from '../../components/States';
import { useAsync } from '../../hooks/useAsync';
import { formatDateTime, formatRelative } from '../../lib/format';
import { documentHref, verificationText } from './format';

/** The latest documents (of one repository, when given), each linked to its page. */
export function RecentDocuments({ repositoryId, limit = 5, empty }: { repositoryId?: string; limit?: number; empty?: React.ReactNode }) {
  const list = useAsync((signal) => api.documents.list({ repository_id: repositoryId, limit }, signal), [repositoryId, limit]);
  if (list.error) return <ErrorNotice error={list.error} onRetry={list.reload} />;
  if (!list.data) return <Loading />;
  if (list.data.documents.length === 0) {
    return (
      <EmptyState title="No documents yet">
        {empty ?? (
          <>
            <Link to="/documents" className="underline">
              Ask a question
            </Link>{' '}
            about a repository: the agent answers with a document that cites the code.
          </>
        )}
      </EmptyState>
    );
  }
  return (
    <ul className="divide-y divide-slate-200 dark:divide-slate-800" aria-label="Recent documents">
      {list.data.documents.map((d) => (
        <li key={d.id}>
          <Link
            to={documentHref(d.id)}
            data-document-id={d.id}
            className={`-mx-2 block rounded-md px-2 py-2.5 hover:bg-slate-100 dark:hover:bg-slate-800/60 ${focusRing}`}
          >
            <span className="block truncate font-medium">{d.title}</span>
            <span className="block truncate text-xs text-slate-500 dark:text-slate-400">
              {d.repository} · v{d.latest_version} · {verificationText(d)} ·{' '}
              <time dateTime={d.updated_at} title={formatDateTime(d.updated_at)}>
                {formatRelative(d.updated_at)}
              </time>
            </span>
          </Link>
        </li>
      ))}
    </ul>
  );
}
