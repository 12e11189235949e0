import { Link } from 'react-router';
import type { DocumentVersionInfo } from '../../api/client';
import { focusRing } from '../../components/Button';
import { formatDateTime, formatRelative, shortCommit } from '../../lib/format';
import { documentHref, verificationText } from './format';

const link = `text-amber-700 underline dark:text-amber-400 ${focusRing}`;

/** A document's versions, newest first: open one, or compare it with the one shown. */
export function VersionList({ documentId, versions, selected }: { documentId: string; versions: DocumentVersionInfo[]; selected: number }) {
  return (
    <ol className="divide-y divide-slate-100 text-sm dark:divide-slate-800" aria-label="Versions">
      {versions.map((v) => {
        const current = v.version === selected;
        const [from, to] = v.version < selected ? [v.version, selected] : [selected, v.version];
        return (
          <li key={v.version} className="flex flex-wrap items-baseline justify-between gap-x-3 gap-y-1 py-2" data-version={v.version}>
            <div className="min-w-0">
              {current ? (
                <span className="font-semibold" aria-current="page">
                  Version {v.version} <span className="text-xs font-normal text-slate-500 dark:text-slate-400">(shown)</span>
                </span>
              ) : (
                <Link to={documentHref(documentId, { version: v.version })} className={`font-medium ${link}`}>
                  Version {v.version}
                </Link>
              )}
              <p className="text-xs text-slate-500 dark:text-slate-400">
                <span className="font-mono">{shortCommit(v.commit)}</span> · {verificationText(v)} ·{' '}
                <time dateTime={v.created_at} title={formatDateTime(v.created_at)}>
                  {formatRelative(v.created_at)}
                </time>
                {v.publication && ' · published'}
              </p>
            </div>
            {!current && (
              <Link to={documentHref(documentId, { version: to, compare: from })} className={`text-xs ${link}`}>
                Compare with version {selected}
              </Link>
            )}
          </li>
        );
      })}
    </ol>
  );
}
