import { Link } from 'react-router';
import { focusRing } from '../../../components/Button';
import { formatCount } from '../format';
import type { TopQuery } from '../types';

const th = 'px-2 py-1.5 text-left text-xs font-medium text-slate-500 dark:text-slate-400';

/** The most asked questions, most asked first; each searches the FAQs for it. */
export function TopQueriesTable({ queries }: { queries: readonly TopQuery[] }) {
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-sm" aria-label="Top queries">
        <thead>
          <tr className="border-b border-slate-200 dark:border-slate-800">
            <th className={th}>Question</th>
            <th className={`${th} text-right`}>Asked</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
          {queries.map((q) => (
            <tr key={q.query}>
              <td className="px-2 py-1.5">
                <Link to={`/faqs?q=${encodeURIComponent(q.query)}`} className={`hover:underline ${focusRing} rounded-sm`} title="Search the FAQs for it">
                  {q.query}
                </Link>
              </td>
              <td className="px-2 py-1.5 text-right tabular-nums">{formatCount(q.count)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
