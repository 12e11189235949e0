import { EmptyState, ErrorNotice, Loading } from '../../../components/States';
import { useAsync } from '../../../hooks/useAsync';
import { faqApi } from '../api';
import type { FaqFilters } from '../filters';
import type { FaqCategory } from '../types';
import { SearchHitList } from './SearchHitList';

const SEARCH_LIMIT = 20;

/** The best matches for the query among the FAQs the filters pick, with why each matched. */
export function FaqSearchResults({ filters, categories }: { filters: FaqFilters; categories: readonly FaqCategory[] }) {
  const search = useAsync(
    (signal) =>
      faqApi.search(
        {
          q: filters.q,
          status: filters.status || undefined,
          category_id: filters.category || undefined,
          tag: filters.tag || undefined,
          language: filters.language || undefined,
          limit: SEARCH_LIMIT,
          // Staff searching their own FAQs are not questions people asked.
          log: false,
        },
        signal,
      ),
    [JSON.stringify(filters)],
  );
  if (search.error) return <ErrorNotice error={search.error} onRetry={search.reload} />;
  if (!search.data || search.loading) return <Loading label="Searching…" />;
  const { hits, semantic, took_ms, answered } = search.data;
  const statusNote = filters.status ? `${filters.status} FAQs` : 'published FAQs';
  if (hits.length === 0) {
    return (
      <EmptyState title={`Nothing matches “${filters.q}”`}>
        Try other words or fewer filters.{' '}
        {!filters.status && 'Search looks at published FAQs only: pick a status to search drafts or archived ones.'}
      </EmptyState>
    );
  }
  return (
    <div className="space-y-2">
      <p className="text-xs text-slate-500 dark:text-slate-400" data-testid="search-summary">
        {hits.length === SEARCH_LIMIT ? `The ${SEARCH_LIMIT} best matches` : `${hits.length} ${hits.length === 1 ? 'match' : 'matches'}`} among{' '}
        {statusNote}, by {semantic ? 'keywords and meaning' : 'keywords only (meaning search is off or failed)'} · {Math.round(took_ms)} ms
        {!answered && ' · no confident answer'}
      </p>
      <SearchHitList hits={hits} categories={categories} />
    </div>
  );
}
