import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { focusRing } from '../../../components/Button';
import { formatDateTime, formatRelative } from '../../../lib/format';
import { faqHref } from '../format';
import type { Faq } from '../types';
import { FaqStatusBadge } from './FaqStatusBadge';
import { TagList } from './TagList';

/** One FAQ in a list: its question (a link to its page), then what it is filed as; `children` adds a line. */
export function FaqRow({ faq, categoryName, children }: { faq: Faq; categoryName: string | undefined; children?: ReactNode }) {
  return (
    <li className="py-3" data-faq-id={faq.id}>
      <Link to={faqHref(faq.id)} className={`font-medium hover:underline ${focusRing} rounded-sm`}>
        {faq.question}
      </Link>
      <div className="mt-1 flex flex-wrap items-center gap-x-3 gap-y-1 text-xs text-slate-500 dark:text-slate-400">
        <FaqStatusBadge status={faq.status} />
        <span>{categoryName ?? 'No category'}</span>
        <span>
          <span className="sr-only">Language: </span>
          <span className="font-mono">{faq.language}</span>
        </span>
        <span>v{faq.version}</span>
        <time dateTime={faq.updated_at} title={formatDateTime(faq.updated_at)}>
          <span className="sr-only">Updated </span>
          {formatRelative(faq.updated_at)}
        </time>
        <TagList tags={faq.tags} />
      </div>
      {children}
    </li>
  );
}
