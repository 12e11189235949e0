import { Link, useSearchParams } from 'react-router';
import { api } from '../../api/client';
import { Button, focusRing } from '../../components/Button';
import { Card, PageHeader } from '../../components/Card';
import { Pager } from '../../components/Pager';
import { SelectField } from '../../components/Field';
import { EmptyState, ErrorNotice, Loading } from '../../components/States';
import { useAsync } from '../../hooks/useAsync';
import { useCursorPages } from '../../hooks/useCursorPages';
import { atLeast } from '../../lib/roles';
import { useMe } from '../auth/session';
import { AskQuestionForm } from './AskQuestionForm';
import { DocumentList } from './DocumentList';

const PAGE_SIZE = 20;
const link = `text-amber-700 underline dark:text-amber-400 ${focusRing}`;

/** The tenant's documents, newest first, filtered by repository; and a form to ask for a new one. */
export function DocumentsPage() {
  const me = useMe();
  const canAsk = atLeast(me.role, 'member');
  const [params, setParams] = useSearchParams();
  const repositoryId = params.get('repository') ?? '';
  // New filters start again at the newest.
  const pages = useCursorPages(repositoryId);
  const cursor = pages.cursor;
  const page = useAsync(
    (signal) => api.documents.list({ repository_id: repositoryId || undefined, cursor, limit: PAGE_SIZE }, signal),
    [repositoryId, cursor],
  );
  const repos = useAsync((signal) => api.repositories.list(signal), []);
  const repositories = repos.data?.repositories;

  const setRepository = (value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set('repository', value);
    else next.delete('repository');
    setParams(next, { replace: true });
  };

  const filtered = Boolean(repositoryId);
  const anyReady = repositories?.some((r) => r.status === 'ready') ?? false;
  return (
    <div className="space-y-5">
      <PageHeader title="Documents" subtitle="What the documentation agent wrote about your repositories; every claim checked against the code." />

      {canAsk && (
        <Card title="Ask a question">
          {repos.error ? (
            <ErrorNotice error={repos.error} onRetry={repos.reload} />
          ) : !repositories ? (
            <Loading />
          ) : (
            <AskQuestionForm repositories={repositories} defaultRepositoryId={repositoryId} />
          )}
        </Card>
      )}

      <Card title="All documents">
        <div className="mb-4 grid gap-3 sm:flex sm:items-end">
          <SelectField label="Filter by repository" value={repositoryId} onChange={(e) => setRepository(e.target.value)} className="sm:w-64">
            <option value="">Every repository</option>
            {(repositories ?? []).map((r) => (
              <option key={r.id} value={r.id}>
                {r.name}
              </option>
            ))}
            {filtered && repositories && !repositories.some((r) => r.id === repositoryId) && (
              <option value={repositoryId}>a removed repository</option>
            )}
          </SelectField>
          {filtered && (
            <Button variant="ghost" onClick={() => setRepository('')}>
              Clear filter
            </Button>
          )}
        </div>

        {page.error ? (
          <ErrorNotice error={page.error} onRetry={page.reload} />
        ) : !page.data ? (
          <Loading label="Loading documents…" />
        ) : page.data.documents.length === 0 ? (
          <EmptyState title={filtered ? 'No documents about this repository yet' : 'No documents yet'}>
            {canAsk && anyReady ? (
              <>Ask a question above, e.g. “What is the system architecture?”: the agent answers with a document that cites the code line by line.</>
            ) : canAsk ? (
              <>
                Documents answer questions about a repository.{' '}
                <Link to="/repositories" className={link}>
                  Add a repository
                </Link>
                , wait for it to be indexed, then ask a question here.
              </>
            ) : (
              'A member of your organisation can ask the agent a question about a repository; the answer shows here.'
            )}
          </EmptyState>
        ) : (
          <div aria-busy={page.loading}>
            <DocumentList documents={page.data.documents} />
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
