import { Link } from 'react-router';
import { Pager } from '../../../components/Pager';
import { EmptyState, ErrorNotice, Loading } from '../../../components/States';
import { useAsync } from '../../../hooks/useAsync';
import { useCursorPages } from '../../../hooks/useCursorPages';
import { faqApi } from '../api';
import { hasFilters, type FaqFilters } from '../filters';
import type { FaqCategory } from '../types';
import { FaqList } from './FaqList';
import { textLink } from './styles';

const PAGE_SIZE = 25;

/** The FAQs the filters pick, most recently changed first, a page at a time. */
export function FaqBrowseList({ filters, categories, canEdit }: { filters: FaqFilters; categories: readonly FaqCategory[]; canEdit: boolean }) {
  const filterKey = JSON.stringify(filters);
  // New filters start again at the newest.
  const pages = useCursorPages(filterKey);
  const cursor = pages.cursor;
  const page = useAsync(
    (signal) =>
      faqApi.list(
        {
          status: filters.status || undefined,
          category_id: filters.category || undefined,
          tag: filters.tag || undefined,
          language: filters.language || undefined,
          cursor,
          limit: PAGE_SIZE,
        },
        signal,
      ),
    [filterKey, cursor],
  );
  const filtered = hasFilters(filters);
  return (
    <>
      {page.error ? (
        <ErrorNotice error={page.error} onRetry={page.reload} />
      ) : !page.data ? (
        <Loading label="Loading FAQs…" />
      ) : page.data.faqs.length === 0 ? (
        <EmptyState title={filtered ? 'No FAQs match these filters' : 'No FAQs yet'}>
          {filtered ? (
            'Try another status, category, tag or language, or clear the filters.'
          ) : canEdit ? (
            <>
              <Link to="/faqs/new" className={textLink}>
                Write the first FAQ
              </Link>
              : a question as people ask it and its answer in Markdown. Publish it and the assistant answers with it.
            </>
          ) : (
            'Owners and admins write the FAQs; they show here once written.'
          )}
        </EmptyState>
      ) : (
        <div aria-busy={page.loading}>
          <FaqList faqs={page.data.faqs} categories={categories} />
        </div>
      )}
      <Pager page={pages.page} nextCursor={page.data?.next_cursor} loading={page.loading} onNewer={pages.newer} onOlder={pages.older} />
    </>
  );
}
