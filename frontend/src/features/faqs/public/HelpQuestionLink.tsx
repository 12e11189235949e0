import { Link } from 'react-router';
import { focusRing } from '../../../components/Button';
import { helpArticleHref } from '../helpCentre';
import type { PublicFaq } from '../types';

/** One question in a list, opening its answer (with the search that found it, for feedback). */
export function HelpQuestionLink({ slug, faq, queryId, categoryName }: { slug: string; faq: PublicFaq; queryId?: string | null; categoryName?: string }) {
  return (
    <li className="py-3" data-faq-id={faq.id}>
      <Link to={helpArticleHref(slug, faq.id, queryId)} className={`font-medium text-slate-900 hover:underline dark:text-slate-100 ${focusRing} rounded-sm`}>
        {faq.question}
      </Link>
      {categoryName && <p className="mt-0.5 text-xs text-slate-500 dark:text-slate-400">{categoryName}</p>}
    </li>
  );
}
