import { useState } from 'react';
import { Link } from 'react-router';
import { Button } from '../../../components/Button';
import { EmptyState, ErrorNotice, Loading } from '../../../components/States';
import { useAsync } from '../../../hooks/useAsync';
import { faqApi } from '../api';
import { faqHref } from '../format';
import { needsReview } from '../review';
import type { Faq } from '../types';
import { ReviewItem, type ReviewDecision } from './ReviewItem';
import { textLink } from './styles';

const PAGE = 200;
const MAX_PAGES = 5;

/**
 * The tenant's drafts whose source is the assistant or a suggestion. The API
 * lists drafts of every source, so they are read a page at a time (at most
 * 1,000, newest first) and the rest filtered out here.
 */
async function loadQueue(signal: AbortSignal): Promise<{ faqs: Faq[]; truncated: boolean }> {
  const faqs: Faq[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const got = await faqApi.list({ status: 'draft', limit: PAGE, cursor }, signal);
    faqs.push(...got.faqs.filter(needsReview));
    cursor = got.next_cursor ?? undefined;
    if (!cursor) return { faqs, truncated: false };
  }
  return { faqs, truncated: true };
}

/** Drafts waiting for a person: read each, then publish or archive it. `refreshKey` reloads it. */
export function ReviewQueue({ canDecide, refreshKey }: { canDecide: boolean; refreshKey: number }) {
  const queue = useAsync(loadQueue, [refreshKey]);
  const [decided, setDecided] = useState<{ faq: Faq; decision: ReviewDecision }[]>([]);
  // Decided here: gone from the queue, unless it has become a newer draft since.
  const waiting = (queue.data?.faqs ?? []).filter((f) => !decided.some((d) => d.faq.id === f.id && d.faq.version >= f.version));
  const last = decided.at(-1);
  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <p className="text-xs text-slate-500 dark:text-slate-400">
          Drafts the assistant wrote from a repository, or that answer a suggested question. Only published FAQs are answered with.
        </p>
        <Button variant="secondary" busy={queue.loading && queue.data !== undefined} onClick={queue.reload}>
          Refresh
        </Button>
      </div>
      {last && (
        <p role="status" className="text-sm text-emerald-700 dark:text-emerald-400">
          {last.decision === 'published' ? 'Published' : 'Archived'} “
          <Link to={faqHref(last.faq.id)} className={textLink}>
            {last.faq.question}
          </Link>
          ”.
        </p>
      )}
      {queue.error ? (
        <ErrorNotice error={queue.error} onRetry={queue.reload} />
      ) : !queue.data ? (
        <Loading label="Loading the drafts…" />
      ) : waiting.length === 0 ? (
        <EmptyState title="Nothing to review">Generate FAQs below, or approve a suggestion: the drafts wait here.</EmptyState>
      ) : (
        <>
          <ul className="divide-y divide-slate-200 dark:divide-slate-800" aria-label="Drafts to review">
            {waiting.map((faq) => (
              <ReviewItem
                key={`${faq.id}:${faq.version}`}
                faq={faq}
                canDecide={canDecide}
                onDecided={(saved, decision) => setDecided((d) => [...d, { faq: saved, decision }])}
                onStale={queue.reload}
              />
            ))}
          </ul>
          {queue.data.truncated && (
            <p className="text-xs text-slate-500 dark:text-slate-400">
              Only the 1,000 most recently changed drafts were looked at: decide on these, then refresh.
            </p>
          )}
        </>
      )}
    </div>
  );
}
