import { useState, type FormEvent } from 'react';
import { api, type Repository } from '../../../api/client';
import { Button } from '../../../components/Button';
import { CheckboxField, TextArea, TextField } from '../../../components/Field';
import { ErrorNotice } from '../../../components/States';
import { useAction } from '../../../hooks/useAction';
import { checkGenerateDraft, faqTaskRequest, MAX_GENERATED, NEW_GENERATE_DRAFT, type GenerateDraft, type GenerateErrors } from '../generateForm';
import type { FaqCategory } from '../types';
import { CategorySelect } from './CategorySelect';
import { NoReadyRepository } from './NoReadyRepository';
import { RepositorySelect } from './RepositorySelect';
import { TaskStartedNotice } from './TaskStartedNotice';

const modeStyle = (on: boolean) =>
  `flex cursor-pointer items-center gap-2 rounded-md border px-3 py-1.5 text-sm ${
    on ? 'border-amber-500 bg-amber-50 dark:bg-amber-950/40' : 'border-slate-300 dark:border-slate-600'
  }`;

/**
 * Starts a `faq` task: the assistant answers one question, or proposes and
 * answers several, from a repository's code; the answers wait here as drafts.
 */
export function GenerateFaqsForm({ repositories, categories }: { repositories: readonly Repository[]; categories: readonly FaqCategory[] }) {
  const [draft, setDraft] = useState<GenerateDraft>(() => ({
    ...NEW_GENERATE_DRAFT,
    repositoryId: repositories.find((r) => r.status === 'ready')?.id ?? '',
  }));
  const [errors, setErrors] = useState<GenerateErrors>({});
  const [started, setStarted] = useState<{ taskId: string; mode: GenerateDraft['mode'] }>();
  const start = useAction(async (request: ReturnType<typeof faqTaskRequest>, mode: GenerateDraft['mode']) => {
    const accepted = await api.tasks.create(request);
    setStarted({ taskId: accepted.task_id, mode });
  });

  if (!repositories.some((r) => r.status === 'ready')) return <NoReadyRepository repositories={repositories} />;

  const change = (next: Partial<GenerateDraft>) => {
    setDraft((d) => ({ ...d, ...next }));
    setErrors({});
    setStarted(undefined);
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const checked = checkGenerateDraft(draft);
    setErrors(checked);
    if (Object.keys(checked).length === 0) void start.run(faqTaskRequest(draft), draft.mode);
  };
  return (
    <form onSubmit={submit} noValidate className="space-y-4">
      <div className="grid gap-3 sm:grid-cols-2">
        <RepositorySelect repositories={repositories} value={draft.repositoryId} error={errors.repository} onChange={(repositoryId) => change({ repositoryId })} />
        <CategorySelect
          label="Category"
          categories={categories}
          noneLabel="No category"
          value={draft.categoryId}
          hint="New FAQs are filed under it."
          onChange={(e) => change({ categoryId: e.target.value })}
        />
      </div>
      <fieldset className="space-y-3">
        <legend className="mb-1 text-sm font-medium text-slate-700 dark:text-slate-300">What to answer</legend>
        <div className="flex flex-wrap gap-2">
          <label className={modeStyle(draft.mode === 'one')}>
            <input type="radio" name="generate-mode" className="accent-amber-600" checked={draft.mode === 'one'} onChange={() => change({ mode: 'one' })} />
            One question
          </label>
          <label className={modeStyle(draft.mode === 'several')}>
            <input
              type="radio"
              name="generate-mode"
              className="accent-amber-600"
              checked={draft.mode === 'several'}
              onChange={() => change({ mode: 'several' })}
            />
            Questions a newcomer would ask
          </label>
        </div>
        {draft.mode === 'one' ? (
          <TextArea
            label="Question"
            mono={false}
            rows={2}
            value={draft.question}
            error={errors.question}
            placeholder="As people ask it, e.g. How do I run the tests?"
            onChange={(e) => change({ question: e.target.value })}
          />
        ) : (
          <TextField
            label="How many questions"
            inputMode="numeric"
            className="max-w-40"
            value={draft.count}
            error={errors.count}
            hint={`1 to ${MAX_GENERATED}; ones your FAQs already answer are left out.`}
            onChange={(e) => change({ count: e.target.value })}
          />
        )}
      </fieldset>
      <CheckboxField
        label="Ask me to approve the drafts"
        hint="The task waits for a person: accepting publishes the drafts at once."
        checked={draft.requireApproval}
        onChange={(e) => change({ requireApproval: e.target.checked })}
      />
      <ErrorNotice error={start.error} />
      {started && (
        <TaskStartedNotice taskId={started.taskId}>
          The assistant is writing {started.mode === 'one' ? 'the answer' : 'the answers'}; {started.mode === 'one' ? 'it waits' : 'they wait'} in the
          queue above as drafts when the task is done.
        </TaskStartedNotice>
      )}
      <Button type="submit" busy={start.busy}>
        Generate FAQs
      </Button>
    </form>
  );
}
