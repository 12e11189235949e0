import { formatCount, formatRate } from '../format';
import type { Faq } from '../types';

function Counter({ label, value, testId }: { label: string; value: number; testId: string }) {
  return (
    <div className="rounded-md border border-slate-200 px-3 py-2 dark:border-slate-700">
      <dt className="text-xs text-slate-500 dark:text-slate-400">{label}</dt>
      <dd className="text-xl font-semibold tabular-nums" data-testid={testId}>
        {formatCount(value)}
      </dd>
    </div>
  );
}

/** How an FAQ is doing, all time: views, feedback, and how often it was the answer given. */
export function FaqCounters({ faq }: { faq: Faq }) {
  const rated = faq.helpful + faq.not_helpful;
  return (
    <div>
      <dl className="grid grid-cols-2 gap-2" aria-label="Counters">
        <Counter label="Views" value={faq.views} testId="faq-views" />
        <Counter label="Answer hits" value={faq.answer_hits} testId="faq-answer-hits" />
        <Counter label="Helpful" value={faq.helpful} testId="faq-helpful" />
        <Counter label="Not helpful" value={faq.not_helpful} testId="faq-not-helpful" />
      </dl>
      <p className="mt-2 text-xs text-slate-500 dark:text-slate-400" data-testid="faq-helpful-rate">
        {rated === 0 ? 'No one has rated it yet.' : `${formatRate(faq.helpful, rated)} found it helpful (${formatCount(rated)} ${rated === 1 ? 'rating' : 'ratings'}).`}
      </p>
    </div>
  );
}
