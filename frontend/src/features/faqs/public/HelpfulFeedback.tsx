import { useState } from 'react';
import { Button } from '../../../components/Button';
import { useAction } from '../../../hooks/useAction';
import { publicApi } from '../publicApi';
import { PublicErrorNotice } from './PublicErrorNotice';

/** "Was this helpful?": one answer per visit, with the search that led here. */
export function HelpfulFeedback({ slug, faqId, queryId }: { slug: string; faqId: string; queryId?: string }) {
  const [given, setGiven] = useState<boolean>();
  const send = useAction(async (helpful: boolean) => {
    await publicApi.feedback(slug, faqId, { helpful, query_id: queryId ?? null });
    setGiven(helpful);
  });
  if (given !== undefined) {
    return (
      <p role="status" className="text-sm text-emerald-700 dark:text-emerald-400">
        {given ? 'Thanks! Glad it helped.' : 'Thanks for telling us: it helps us improve this answer.'}
      </p>
    );
  }
  return (
    <div className="space-y-2">
      <div className="flex flex-wrap items-center gap-2" role="group" aria-label="Was this helpful?">
        <span className="text-sm font-medium">Was this helpful?</span>
        <Button variant="secondary" disabled={send.busy} onClick={() => void send.run(true)}>
          Yes
        </Button>
        <Button variant="secondary" disabled={send.busy} onClick={() => void send.run(false)}>
          No
        </Button>
      </div>
      <PublicErrorNotice
        error={send.error}
        notFound={{ title: 'This answer is not published any more', body: 'Your feedback could not be recorded.' }}
      />
    </div>
  );
}
