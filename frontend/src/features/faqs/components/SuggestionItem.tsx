import { useState } from 'react';
import type { Repository } from '../../../api/client';
import { Button } from '../../../components/Button';
import { ErrorNotice } from '../../../components/States';
import { useAction } from '../../../hooks/useAction';
import { faqApi } from '../api';
import { formatCount } from '../format';
import type { ApprovedSuggestion, FaqCategory, FaqSuggestion } from '../types';
import { SuggestionApproveForm } from './SuggestionApproveForm';

/** A question people asked that no FAQ answered: how often, in which words; managers approve or dismiss it. */
export function SuggestionItem({
  suggestion,
  canDecide,
  repositories,
  categories,
  onApproved,
  onDismissed,
}: {
  suggestion: FaqSuggestion;
  canDecide: boolean;
  repositories: readonly Repository[];
  categories: readonly FaqCategory[];
  onApproved: (approved: ApprovedSuggestion) => void;
  onDismissed: (suggestion: FaqSuggestion) => void;
}) {
  const [approving, setApproving] = useState(false);
  const dismiss = useAction(async () => onDismissed(await faqApi.suggestions.dismiss(suggestion.id)));
  const others = suggestion.examples.filter((e) => e !== suggestion.query);
  return (
    <li className="py-3" data-suggestion-id={suggestion.id}>
      <div className="flex flex-wrap items-start justify-between gap-2">
        <div className="min-w-0">
          <p className="font-medium break-words">{suggestion.query}</p>
          <p className="text-xs text-slate-500 dark:text-slate-400">
            Asked {formatCount(suggestion.count)} {suggestion.count === 1 ? 'time' : 'times'} without a good answer
          </p>
        </div>
        {canDecide && !approving && (
          <div className="flex flex-wrap gap-2">
            <Button onClick={() => setApproving(true)} aria-label={`Approve “${suggestion.query}”`}>
              Approve
            </Button>
            <Button variant="secondary" busy={dismiss.busy} onClick={() => void dismiss.run()} aria-label={`Dismiss “${suggestion.query}”`}>
              Dismiss
            </Button>
          </div>
        )}
      </div>
      {others.length > 0 && (
        <p className="mt-1 text-xs text-slate-600 dark:text-slate-300">
          Also asked as: {others.slice(0, 3).map((e) => `“${e}”`).join(', ')}
          {others.length > 3 && ` and ${others.length - 3} more`}
        </p>
      )}
      {approving && (
        <SuggestionApproveForm
          suggestion={suggestion}
          repositories={repositories}
          categories={categories}
          onApproved={onApproved}
          onCancel={() => setApproving(false)}
        />
      )}
      <div className="mt-2 empty:hidden">
        <ErrorNotice error={dismiss.error} />
      </div>
    </li>
  );
}
