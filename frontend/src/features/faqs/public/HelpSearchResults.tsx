import { EmptyState, Loading } from '../../../components/States';
import { useAsync } from '../../../hooks/useAsync';
import { publicApi } from '../publicApi';
import { publicCategoryPath } from './categories';
import { useHelpCentre } from './context';
import { HelpQuestionLink } from './HelpQuestionLink';
import { PublicErrorNotice } from './PublicErrorNotice';

/** The published FAQs that best answer `q` (in the category, when one is picked). */
export function HelpSearchResults({ q, category }: { q: string; category: string }) {
  const { slug, centre } = useHelpCentre();
  const search = useAsync((signal) => publicApi.search(slug, { q, category_id: category || undefined }, signal), [slug, q, category]);
  if (search.error) {
    return <PublicErrorNotice error={search.error} onRetry={search.reload} notFound={{ title: 'This help centre has gone', body: 'It may have been turned off.' }} />;
  }
  if (!search.data || search.loading) return <Loading label="Searching…" />;
  const { hits, query_id } = search.data;
  if (hits.length === 0) {
    return (
      <EmptyState title={`No answer found for “${q}”`}>
        Try other words, or browse the questions. Your question has been noted: it helps decide which answers to write next.
      </EmptyState>
    );
  }
  return (
    <div>
      <p className="text-xs text-slate-500 dark:text-slate-400" data-testid="help-search-summary">
        {hits.length === 1 ? '1 answer' : `${hits.length} answers`} for “{q}”, best first
      </p>
      <ol className="divide-y divide-slate-200 dark:divide-slate-800" aria-label="Search results">
        {hits.map(({ faq }) => (
          <HelpQuestionLink
            key={faq.id}
            slug={slug}
            faq={faq}
            queryId={query_id}
            categoryName={faq.category_id ? publicCategoryPath(centre.categories, faq.category_id) : undefined}
          />
        ))}
      </ol>
    </div>
  );
}
