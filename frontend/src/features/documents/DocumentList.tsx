import { Link } from 'react-router';
import type { Document } from '../../api/client';
import { focusRing } from '../../components/Button';
import { formatDateTime, formatRelative, shortCommit } from '../../lib/format';
import { documentHref, verificationText } from './format';

const COLUMNS = 'sm:grid-cols-[minmax(0,1fr)_9rem_4rem_7rem_9rem_7rem]';

/**
 * Documents as rows (title and question, repository, version, commit,
 * verification, updated) that stack into cards on a phone; each opens its page.
 */
export function DocumentList({ documents }: { documents: Document[] }) {
  return (
    <div>
      <div
        aria-hidden
        className={`hidden gap-x-4 border-b border-slate-200 px-2 pb-2 text-xs font-medium text-slate-500 sm:grid dark:border-slate-800 dark:text-slate-400 ${COLUMNS}`}
      >
        <span>Document</span>
        <span>Repository</span>
        <span>Version</span>
        <span>Commit</span>
        <span>Verification</span>
        <span className="text-right">Updated</span>
      </div>
      <ul className="divide-y divide-slate-200 dark:divide-slate-800" aria-label="Documents">
        {documents.map((d) => (
          <li key={d.id}>
            <Link
              to={documentHref(d.id)}
              data-document-id={d.id}
              className={`grid grid-cols-2 gap-x-4 gap-y-1 rounded-md px-2 py-3 hover:bg-slate-100 sm:items-center dark:hover:bg-slate-800/60 ${COLUMNS} ${focusRing}`}
            >
              <span className="col-span-2 min-w-0 sm:col-span-1">
                <span className="block truncate font-medium">{d.title}</span>
                <span className="block truncate text-sm text-slate-600 dark:text-slate-300">{d.question}</span>
              </span>
              <span className="truncate text-sm">
                <span className="sr-only">Repository: </span>
                {d.repository}
              </span>
              <span className="text-right text-sm tabular-nums sm:text-left">
                <span className="sr-only">Latest version </span>v{d.latest_version}
              </span>
              <span className="font-mono text-xs text-slate-500 dark:text-slate-400">
                <span className="sr-only">Commit </span>
                {shortCommit(d.commit)}
              </span>
              <span className="text-right text-xs text-slate-600 sm:text-left dark:text-slate-300" data-testid="document-verification">
                {verificationText(d)}
              </span>
              <time
                dateTime={d.updated_at}
                title={formatDateTime(d.updated_at)}
                className="col-span-2 text-xs text-slate-500 sm:col-span-1 sm:text-right dark:text-slate-400"
              >
                <span className="sr-only">Updated </span>
                {formatRelative(d.updated_at)}
              </time>
            </Link>
          </li>
        ))}
      </ul>
    </div>
  );
}
