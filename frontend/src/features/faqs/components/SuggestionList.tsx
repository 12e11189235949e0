import { useState } from 'react';
import type { Repository } from '../../../api/client';
import { Button } from '../../../components/Button';
import { EmptyState, ErrorNotice, Loading } from '../../../components/States';
import { useAction } from '../../../hooks/useAction';
import { useAsync } from '../../../hooks/useAsync';
import { faqApi } from '../api';
import { formatCount } from '../format';
import type { ApprovedSuggestion, FaqCategory, FaqSuggestion } from '../types';
import { SuggestionItem } from './SuggestionItem';
import { TaskStartedNotice } from './TaskStartedNotice';

/**
 * FAQs to write, suggested from the questions no FAQ answered (grouped by
 * meaning, most asked first). Managers refresh the list, and approve or
 * dismiss each; an approved one comes back as a draft in the queue.
 */
export function SuggestionList({
  canDecide,
  repositories,
  categories,
  onDraftSaved,
}: {
  canDecide: boolean;
  repositories: readonly Repository[];
  categories: readonly FaqCategory[];
  /** A draft FAQ was saved at once (an answer written here). */
  onDraftSaved: () => void;
}) {
  const loaded = useAsync((signal) => faqApi.suggestions.open(signal), []);
  // What the last refresh answered, until the list is loaded again.
  const [refreshed, setRefreshed] = useState<{ suggestions: FaqSuggestion[]; considered: number }>();
  const [decided, setDecided] = useState<string[]>([]);
  const [notice, setNotice] = useState<{ text: string; taskId?: string }>();
  const refresh = useAction(async () => {
    const got = await faqApi.suggestions.refresh();
    setRefreshed({ suggestions: got.suggestions, considered: got.questions_considered });
    setNotice(undefined);
  });
  const suggestions = (refreshed?.suggestions ?? loaded.data?.suggestions ?? []).filter((s) => !decided.includes(s.id));

  const approved = ({ suggestion, task_id, faq_id }: ApprovedSuggestion) => {
    setDecided((d) => [...d, suggestion.id]);
    if (task_id) setNotice({ text: `Approved “${suggestion.query}”: the assistant is drafting the answer; it waits in the queue above when the task is done.`, taskId: task_id });
    else setNotice({ text: `Approved “${suggestion.query}”: your answer waits in the queue above as a draft.` });
    if (faq_id) onDraftSaved();
  };
  const dismissed = (suggestion: FaqSuggestion) => {
    setDecided((d) => [...d, suggestion.id]);
    setNotice({ text: `Dismissed “${suggestion.query}”: it stays dismissed, however often it is asked again.` });
  };
  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <p className="text-xs text-slate-500 dark:text-slate-400" data-testid="suggestions-note">
          {refreshed
            ? `Looked at ${formatCount(refreshed.considered)} unanswered ${refreshed.considered === 1 ? 'question' : 'questions'} of the last 30 days.`
            : 'Questions of the last 30 days that found no answer, or an unhelpful one, grouped by meaning.'}
        </p>
        {canDecide && (
          <Button variant="secondary" busy={refresh.busy} onClick={() => void refresh.run()}>
            Refresh suggestions
          </Button>
        )}
      </div>
      {notice &&
        (notice.taskId ? (
          <TaskStartedNotice taskId={notice.taskId}>{notice.text}</TaskStartedNotice>
        ) : (
          <p role="status" className="text-sm text-emerald-700 dark:text-emerald-400">
            {notice.text}
          </p>
        ))}
      <ErrorNotice error={refresh.error} />
      {loaded.error && !refreshed ? (
        <ErrorNotice error={loaded.error} onRetry={loaded.reload} />
      ) : !loaded.data && !refreshed ? (
        <Loading label="Loading the suggestions…" />
      ) : suggestions.length === 0 ? (
        <EmptyState title="No suggestions">
          {canDecide ? 'Refresh to look at the questions asked lately that found no answer.' : 'Owners and admins refresh the suggestions; they show here.'}
        </EmptyState>
      ) : (
        <ul className="divide-y divide-slate-200 dark:divide-slate-800" aria-label="Suggestions">
          {suggestions.map((s) => (
            <SuggestionItem
              key={s.id}
              suggestion={s}
              canDecide={canDecide}
              repositories={repositories}
              categories={categories}
              onApproved={approved}
              onDismissed={dismissed}
            />
          ))}
        </ul>
      )}
    </div>
  );
}
