import { Link } from 'react-router';
import { formatDateTime, formatRelative } from '../../../lib/format';
import { faqHref } from '../format';
import type { FaqVersion } from '../types';
import { FaqStatusBadge } from './FaqStatusBadge';
import { textLink } from './styles';

function editorName(version: FaqVersion, emails: ReadonlyMap<string, string>): string {
  if (!version.edited_by) return 'by an import or the assistant';
  return `by ${emails.get(version.edited_by) ?? 'a former member'}`;
}

/**
 * An FAQ's versions, newest first: who saved each and when; links to what
 * each changed and to compare an older one with the current version.
 */
export function FaqVersionList({
  faqId,
  versions,
  current,
  emails,
  comparing,
}: {
  faqId: string;
  versions: readonly FaqVersion[];
  current: number;
  emails: ReadonlyMap<string, string>;
  /** The versions compared on the page, if any. */
  comparing?: { from: number; to: number };
}) {
  return (
    <ol className="divide-y divide-slate-100 text-sm dark:divide-slate-800" aria-label="Versions">
      {versions.map((v) => {
        const shown = comparing?.to === v.version;
        return (
          <li key={v.version} className="py-2" data-version={v.version} aria-current={shown ? 'true' : undefined}>
            <div className="flex flex-wrap items-center gap-2">
              <span className={shown ? 'font-semibold' : 'font-medium'}>Version {v.version}</span>
              {v.version === current && <span className="text-xs text-slate-500 dark:text-slate-400">(current)</span>}
              <FaqStatusBadge status={v.status} />
            </div>
            <p className="text-xs text-slate-500 dark:text-slate-400">
              {editorName(v, emails)} ·{' '}
              <time dateTime={v.created_at} title={formatDateTime(v.created_at)}>
                {formatRelative(v.created_at)}
              </time>
            </p>
            <p className="mt-1 flex flex-wrap gap-x-3 text-xs">
              {v.version > 1 && (
                <Link to={faqHref(faqId, { from: v.version - 1, to: v.version })} className={textLink} aria-label={`What version ${v.version} changed`}>
                  What changed
                </Link>
              )}
              {v.version < current && (
                <Link to={faqHref(faqId, { from: v.version, to: current })} className={textLink} aria-label={`Compare version ${v.version} with the current one`}>
                  Compare with current
                </Link>
              )}
            </p>
          </li>
        );
      })}
    </ol>
  );
}
