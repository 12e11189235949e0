import { categoryPath } from '../categoryTree';
import type { Faq, FaqCategory } from '../types';
import { FaqRow } from './FaqRow';

/** FAQs, most recently changed first, each opening its page. */
export function FaqList({ faqs, categories }: { faqs: readonly Faq[]; categories: readonly FaqCategory[] }) {
  return (
    <ul className="divide-y divide-slate-200 dark:divide-slate-800" aria-label="FAQs">
      {faqs.map((faq) => (
        <FaqRow key={faq.id} faq={faq} categoryName={faq.category_id ? categoryPath(categories, faq.category_id) : undefined} />
      ))}
    </ul>
  );
}
