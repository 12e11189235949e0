import { Link } from 'react-router';
import { fileHref } from '../../../lib/citations';
import type { EvidenceRange } from '../review';
import { textLink } from './styles';

/** The lines of the repository an answer was written from, each opening the file view there. */
export function EvidenceLinks({ evidence, repositoryId, commit }: { evidence: readonly EvidenceRange[]; repositoryId?: string; commit?: string }) {
  if (evidence.length === 0) return <p className="text-xs text-slate-500 dark:text-slate-400">No evidence was kept for this answer.</p>;
  return (
    <ul className="flex flex-wrap gap-x-4 gap-y-1 text-xs" aria-label="Evidence">
      {evidence.map((e) => {
        const label = `${e.path}:L${e.startLine}-L${e.endLine}`;
        return (
          <li key={label} className="min-w-0 break-all font-mono">
            {repositoryId ? (
              <Link to={fileHref(repositoryId, e.path, { commit, lines: { start: e.startLine, end: e.endLine } })} className={textLink}>
                {label}
              </Link>
            ) : (
              label
            )}
          </li>
        );
      })}
    </ul>
  );
}
