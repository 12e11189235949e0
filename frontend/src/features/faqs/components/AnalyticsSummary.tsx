import { formatCount, formatRate } from '../format';
import type { FaqAnalytics } from '../types';
import { StatTile } from './StatTile';

/** The period's questions, how many went unanswered, how helpful the answers were; and the all-time answer hits. */
export function AnalyticsSummary({ analytics }: { analytics: FaqAnalytics }) {
  const { total_queries, unanswered, helpful, not_helpful, answer_hits, views } = analytics;
  const rated = helpful + not_helpful;
  return (
    <dl className="grid grid-cols-2 gap-3 lg:grid-cols-4" aria-label="FAQ analytics">
      <StatTile label="Questions asked" value={formatCount(total_queries)} testId="faq-total-queries" note="searches and questions to the assistant" />
      <StatTile
        label="Unanswered rate"
        value={formatRate(unanswered, total_queries)}
        testId="faq-unanswered-rate"
        note={`${formatCount(unanswered)} of ${formatCount(total_queries)} found no confident answer`}
      />
      <StatTile
        label="Found helpful"
        value={formatRate(helpful, rated)}
        testId="faq-helpful-rate"
        note={rated === 0 ? 'no feedback yet' : `${formatCount(helpful)} helpful · ${formatCount(not_helpful)} not helpful`}
      />
      <StatTile label="Answer hits" value={formatCount(answer_hits)} testId="faq-answer-hits" note={`all time · ${formatCount(views)} views`} />
    </dl>
  );
}
