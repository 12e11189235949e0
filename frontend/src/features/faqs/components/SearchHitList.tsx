import { categoryPath } from '../categoryTree';
import type { FaqCategory, SearchHit } from '../types';
import { FaqRow } from './FaqRow';
import { MatchSignals } from './MatchSignals';

/** Search results, best first, each with why it matched. */
export function SearchHitList({ hits, categories }: { hits: readonly SearchHit[]; categories: readonly FaqCategory[] }) {
  return (
    <ol className="divide-y divide-slate-200 dark:divide-slate-800" aria-label="Search results">
      {hits.map((hit) => (
        <FaqRow key={hit.faq.id} faq={hit.faq} categoryName={hit.faq.category_id ? categoryPath(categories, hit.faq.category_id) : undefined}>
          <MatchSignals hit={hit} />
        </FaqRow>
      ))}
    </ol>
  );
}
