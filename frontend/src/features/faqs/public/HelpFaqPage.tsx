import { Button } from '../../../components/Button';
import { EmptyState, Loading } from '../../../components/States';
import { useAsync } from '../../../hooks/useAsync';
import { publicApi } from '../publicApi';
import { publicCategoryPath } from './categories';
import { useHelpCentre } from './context';
import { HelpQuestionLink } from './HelpQuestionLink';
import { PublicErrorNotice } from './PublicErrorNotice';

const PAGE_SIZE = 50;

/**
 * One page of the published questions (from `cursor`); the last page loaded
 * offers the next, so the list grows as a visitor asks for more.
 */
export function HelpFaqPage({ category, cursor, last, onMore }: { category: string; cursor?: string; last: boolean; onMore: (next: string) => void }) {
  const { slug, centre } = useHelpCentre();
  const page = useAsync(
    (signal) => publicApi.faqs(slug, { category_id: category || undefined, cursor, limit: PAGE_SIZE }, signal),
    [slug, category, cursor],
  );
  if (page.error) {
    return (
      <li className="py-3">
        <PublicErrorNotice error={page.error} onRetry={page.reload} notFound={{ title: 'This help centre has gone', body: 'It may have been turned off.' }} />
      </li>
    );
  }
  if (!page.data) {
    return (
      <li>
        <Loading label="Loading the questions…" />
      </li>
    );
  }
  const next = page.data.next_cursor;
  if (!cursor && page.data.faqs.length === 0) {
    return (
      <li className="py-3">
        <EmptyState title={category ? 'No questions in this category yet' : 'No questions here yet'}>Try searching, or come back later.</EmptyState>
      </li>
    );
  }
  return (
    <>
      {page.data.faqs.map((faq) => (
        <HelpQuestionLink
          key={faq.id}
          slug={slug}
          faq={faq}
          categoryName={!category && faq.category_id ? publicCategoryPath(centre.categories, faq.category_id) : undefined}
        />
      ))}
      {last && next && (
        <li className="pt-3">
          <Button variant="secondary" onClick={() => onMore(next)}>
            More questions
          </Button>
        </li>
      )}
    </>
  );
}
