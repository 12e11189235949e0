import { useState, type FormEvent } from 'react';
import type { Repository } from '../../../api/client';
import { Button } from '../../../components/Button';
import { TextArea } from '../../../components/Field';
import { ErrorNotice } from '../../../components/States';
import { useAction } from '../../../hooks/useAction';
import { faqApi } from '../api';
import { charCount, ANSWER_MAX_CHARS } from '../faqForm';
import type { ApprovedSuggestion, ApproveSuggestionRequest, FaqCategory, FaqSuggestion } from '../types';
import { CategorySelect } from './CategorySelect';
import { RepositorySelect } from './RepositorySelect';

type Mode = 'repository' | 'answer';

/**
 * Approves a suggestion: the assistant drafts the answer from a repository
 * (a `faq` task), or the answer written here is saved as a draft at once.
 */
export function SuggestionApproveForm({
  suggestion,
  repositories,
  categories,
  onApproved,
  onCancel,
}: {
  suggestion: FaqSuggestion;
  repositories: readonly Repository[];
  categories: readonly FaqCategory[];
  onApproved: (approved: ApprovedSuggestion) => void;
  onCancel: () => void;
}) {
  const hasReady = repositories.some((r) => r.status === 'ready');
  const [mode, setMode] = useState<Mode>(hasReady ? 'repository' : 'answer');
  const [repositoryId, setRepositoryId] = useState(repositories.find((r) => r.status === 'ready')?.id ?? '');
  const [answer, setAnswer] = useState('');
  const [categoryId, setCategoryId] = useState('');
  const [fieldError, setFieldError] = useState<string>();
  const approve = useAction(async (body: ApproveSuggestionRequest) => onApproved(await faqApi.suggestions.approve(suggestion.id, body)));

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const category = categoryId || undefined;
    if (mode === 'repository') {
      if (!repositoryId) return setFieldError('Pick a repository that is indexed.');
      void approve.run({ repository_id: repositoryId, category_id: category });
    } else {
      if (!answer.trim()) return setFieldError('Write the answer.');
      if (charCount(answer) > ANSWER_MAX_CHARS) return setFieldError(`At most ${ANSWER_MAX_CHARS.toLocaleString('en')} characters.`);
      void approve.run({ answer, category_id: category });
    }
  };
  const pick = (next: Mode) => {
    setMode(next);
    setFieldError(undefined);
  };
  return (
    <form onSubmit={submit} noValidate className="mt-3 space-y-3 rounded-md border border-slate-200 p-3 dark:border-slate-700" aria-label={`Approve “${suggestion.query}”`}>
      <fieldset className="flex flex-wrap gap-4 text-sm">
        <legend className="sr-only">How to answer it</legend>
        <label className="flex items-center gap-2">
          <input type="radio" name={`approve-${suggestion.id}`} className="accent-amber-600" checked={mode === 'repository'} disabled={!hasReady} onChange={() => pick('repository')} />
          The assistant drafts it from a repository
        </label>
        <label className="flex items-center gap-2">
          <input type="radio" name={`approve-${suggestion.id}`} className="accent-amber-600" checked={mode === 'answer'} onChange={() => pick('answer')} />
          I write the answer
        </label>
      </fieldset>
      <div className="grid gap-3 sm:grid-cols-2">
        {mode === 'repository' && (
          <RepositorySelect
            repositories={repositories}
            value={repositoryId}
            error={fieldError}
            onChange={(id) => {
              setRepositoryId(id);
              setFieldError(undefined);
            }}
          />
        )}
        <CategorySelect label="Category" categories={categories} noneLabel="No category" value={categoryId} onChange={(e) => setCategoryId(e.target.value)} />
      </div>
      {mode === 'answer' && (
        <TextArea
          label="Answer (Markdown)"
          rows={5}
          value={answer}
          error={fieldError}
          onChange={(e) => {
            setAnswer(e.target.value);
            setFieldError(undefined);
          }}
        />
      )}
      <ErrorNotice error={approve.error} />
      <div className="flex flex-wrap gap-2">
        <Button type="submit" busy={approve.busy}>
          {mode === 'repository' ? 'Approve and draft the answer' : 'Approve and save the draft'}
        </Button>
        <Button variant="ghost" onClick={onCancel}>
          Cancel
        </Button>
      </div>
    </form>
  );
}
