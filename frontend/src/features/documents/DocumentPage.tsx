import { useMemo, type ReactNode } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { ApiError, api, type DocumentVersion } from '../../api/client';
import { focusRing } from '../../components/Button';
import { Card, PageHeader } from '../../components/Card';
import { ConfirmButton } from '../../components/ConfirmButton';
import { ErrorNotice, Loading } from '../../components/States';
import { useAction } from '../../hooks/useAction';
import { useAsync } from '../../hooks/useAsync';
import { formatDateTime, shortCommit, shortId } from '../../lib/format';
import { atLeast } from '../../lib/roles';
import { useMe } from '../auth/session';
import { DocumentMarkdown } from './DocumentMarkdown';
import { EvidenceList } from './EvidenceList';
import { documentHref, versionParam } from './format';
import { readManifest, readReport } from './report';
import { VerificationReportView } from './VerificationReportView';
import { VersionDiffView } from './VersionDiffView';
import { VersionList } from './VersionList';

const link = `text-amber-700 underline dark:text-amber-400 ${focusRing}`;

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="grid grid-cols-[6.5rem_1fr] gap-2 py-1.5">
      <dt className="text-slate-500 dark:text-slate-400">{label}</dt>
      <dd className="min-w-0 break-words">{children}</dd>
    </div>
  );
}

function Tab({ to, current, children }: { to: string; current: boolean; children: ReactNode }) {
  return (
    <Link
      to={to}
      aria-current={current ? 'page' : undefined}
      className={`rounded-md px-3 py-1.5 text-sm font-medium ${focusRing} ${
        current
          ? 'bg-slate-900 text-white dark:bg-slate-100 dark:text-slate-900'
          : 'text-slate-600 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800'
      }`}
    >
      {children}
    </Link>
  );
}

function PublicationView({ publication }: { publication: NonNullable<DocumentVersion['publication']> }) {
  return (
    <dl className="text-sm">
      <Row label="Branch">
        <code className="font-mono text-xs">{publication.branch}</code>
      </Row>
      <Row label="File">
        <code className="font-mono text-xs">{publication.path}</code>
      </Row>
      <Row label="Commit">
        <code className="font-mono text-xs" title={publication.commit}>
          {shortCommit(publication.commit)}
        </code>
      </Row>
      {publication.pull_request_url && (
        <Row label="Pull request">
          <a href={publication.pull_request_url} target="_blank" rel="noreferrer noopener" className={link}>
            {publication.pull_request_number ? `#${publication.pull_request_number}` : 'Open'}
          </a>
        </Row>
      )}
      <Row label="Published">{formatDateTime(publication.published_at)}</Row>
    </dl>
  );
}

/**
 * One document: a version's Markdown with its citations linked to the code,
 * what verification removed, the evidence, the publication; its versions,
 * compared two at a time; delete.
 */
export function DocumentPage() {
  const { docId = '' } = useParams();
  const [params] = useSearchParams();
  const me = useMe();
  const navigate = useNavigate();
  const version = versionParam(params.get('version'));
  const compare = versionParam(params.get('compare'));
  const doc = useAsync((signal) => api.documents.get(docId, version, signal), [docId, version]);
  const versions = useAsync((signal) => api.documents.versions(docId, signal), [docId]);
  const data = doc.data?.document.id === docId ? doc.data : undefined;
  const shown = data?.version.version;
  const diff = useAsync(
    (signal) => (compare !== undefined && shown !== undefined && compare !== shown ? api.documents.diff(docId, compare, shown, signal) : Promise.resolve(null)),
    [docId, compare, shown],
  );
  const remove = useAction(async () => {
    await api.documents.remove(docId);
    void navigate('/documents', { replace: true });
  });
  const report = useMemo(() => readReport(data?.version.report), [data?.version.report]);
  const manifest = useMemo(() => readManifest(data?.version.manifest), [data?.version.manifest]);

  if (doc.error && !data) {
    return (
      <div className="space-y-4">
        <PageHeader title="Document" />
        <ErrorNotice error={doc.error} onRetry={doc.reload} />
        <p className="flex flex-wrap gap-4 text-sm">
          {version !== undefined && !(doc.error instanceof ApiError && doc.error.status === 404) && (
            <Link to={documentHref(docId)} className={link}>
              Open the latest version
            </Link>
          )}
          <Link to="/documents" className={link}>
            Back to documents
          </Link>
        </p>
      </div>
    );
  }
  if (!data) return <Loading label="Loading the document…" />;

  const { document: d, version: v } = data;
  const comparing = compare !== undefined && compare !== v.version;
  const other = v.version > 1 ? v.version - 1 : d.latest_version > 1 ? 2 : undefined;
  const compareHref =
    other === undefined ? undefined : other < v.version ? documentHref(d.id, { version: v.version, compare: other }) : documentHref(d.id, { version: other, compare: v.version });
  return (
    <div className="space-y-5">
      <PageHeader
        title={d.title}
        subtitle={
          <span className="flex flex-wrap gap-x-3 gap-y-1">
            <Link to="/documents" className={link}>
              All documents
            </Link>
            <span>
              About{' '}
              <Link to={`/repositories/${d.repository_id}`} className={link}>
                {d.repository}
              </Link>
            </span>
            <span data-testid="document-version">
              Version {v.version} of {d.latest_version}
            </span>
          </span>
        }
        actions={
          atLeast(me.role, 'member') ? (
            <ConfirmButton confirmLabel="Delete this document" onConfirm={() => void remove.run()} busy={remove.busy}>
              Delete
            </ConfirmButton>
          ) : undefined
        }
      />
      <ErrorNotice error={remove.error} />
      <blockquote className="border-l-4 border-amber-400 pl-3 text-sm text-slate-700 dark:text-slate-300">
        <span className="sr-only">Question: </span>
        {d.question}
      </blockquote>

      <div className="grid gap-5 lg:grid-cols-3">
        <div className="min-w-0 space-y-3 lg:col-span-2">
          {compareHref && (
            <nav aria-label="Document views" className="flex gap-1">
              <Tab to={documentHref(d.id, { version: v.version })} current={!comparing}>
                Document
              </Tab>
              <Tab to={compareHref} current={comparing}>
                Changes
              </Tab>
            </nav>
          )}
          <Card>
            {comparing ? (
              diff.error ? (
                <ErrorNotice error={diff.error} onRetry={diff.reload} />
              ) : !diff.data || diff.loading ? (
                <Loading label="Comparing the versions…" />
              ) : (
                <VersionDiffView diff={diff.data} />
              )
            ) : (
              <div aria-busy={doc.loading}>
                <DocumentMarkdown markdown={v.markdown} repositoryId={d.repository_id} commit={v.commit} />
              </div>
            )}
          </Card>
        </div>

        <aside className="min-w-0 space-y-5" aria-label="About this document">
          <Card title="Details">
            <dl className="text-sm">
              <Row label="Model">
                <span className="font-mono text-xs">{v.model}</span>
              </Row>
              <Row label="Commit">
                <code className="font-mono text-xs" title={v.commit}>
                  {shortCommit(v.commit)}
                </code>
              </Row>
              <Row label="Task">
                <Link to={`/tasks/${v.task_id}`} className={`font-mono text-xs ${link}`} data-testid="document-task-link">
                  {shortId(v.task_id)}
                </Link>
              </Row>
              <Row label="Trace">
                <span className="font-mono text-xs break-all">{v.trace_id}</span>
              </Row>
              <Row label="Written">{formatDateTime(v.created_at)}</Row>
            </dl>
          </Card>
          <Card title="Verification">
            <VerificationReportView report={report} />
          </Card>
          <Card title="Evidence">
            <EvidenceList chunks={manifest.chunks} repositoryId={d.repository_id} commit={v.commit} />
          </Card>
          {v.publication && (
            <Card title="Publication">
              <PublicationView publication={v.publication} />
            </Card>
          )}
          <Card title="Versions">
            {versions.error ? (
              <ErrorNotice error={versions.error} onRetry={versions.reload} />
            ) : !versions.data ? (
              <Loading />
            ) : (
              <VersionList documentId={d.id} versions={versions.data.versions} selected={v.version} />
            )}
          </Card>
        </aside>
      </div>
    </div>
  );
}
