import { Link } from 'react-router';
import { focusRing } from '../../components/Button';
import { citationHref } from '../../lib/citations';
import type { ManifestChunk } from './report';

/** The chunks of code the document was written from, each linked to the file view; cited ones marked. */
export function EvidenceList({ chunks, repositoryId, commit }: { chunks: ManifestChunk[]; repositoryId: string; commit: string }) {
  if (chunks.length === 0) return <p className="text-sm text-slate-500 dark:text-slate-400">No evidence was kept for this version.</p>;
  const cited = chunks.filter((c) => c.cited).length;
  return (
    <div className="text-sm">
      <p className="mb-2 text-xs text-slate-500 dark:text-slate-400">
        {chunks.length} chunks shown to the agent; the document cites {cited}.
      </p>
      <ul className="space-y-1.5" aria-label="Evidence">
        {chunks.map((c) => (
          <li key={`${c.path}:${c.start_line}-${c.end_line}`} className="flex items-start justify-between gap-2" data-cited={c.cited}>
            <Link
              to={citationHref(repositoryId, c.commit || commit, { path: c.path, start: c.start_line, end: c.end_line })}
              className={`min-w-0 break-all font-mono text-xs text-amber-700 underline dark:text-amber-400 ${focusRing}`}
              title={c.sections.length ? `Evidence for: ${c.sections.join(', ')}` : undefined}
            >
              {c.path}:L{c.start_line}-L{c.end_line}
            </Link>
            <span
              className={`shrink-0 rounded-full px-2 py-0.5 text-xs ${
                c.cited
                  ? 'bg-emerald-100 text-emerald-900 dark:bg-emerald-900/60 dark:text-emerald-100'
                  : 'bg-slate-200 text-slate-700 dark:bg-slate-700 dark:text-slate-200'
              }`}
            >
              {c.cited ? 'cited' : 'not cited'}
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}
