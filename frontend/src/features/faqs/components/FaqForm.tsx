import type { FormEvent, ReactNode } from 'react';
import { Button } from '../../../components/Button';
import { SelectField, TextArea, TextField } from '../../../components/Field';
import { charCount, QUESTION_MAX_CHARS, TAGS_MAX, type FaqDraft, type FaqDraftErrors } from '../faqForm';
import { FAQ_STATUSES, type FaqCategory, type FaqStatus } from '../types';
import { AnswerMarkdownField } from './AnswerMarkdownField';
import { CategorySelect } from './CategorySelect';

const STATUS_HINTS: Record<FaqStatus, string> = {
  draft: 'Draft: only editors see it; the assistant does not answer with it.',
  published: 'Published: the assistant answers with it.',
  archived: 'Archived: kept, but no longer answered with.',
};

/**
 * An FAQ's fields: question, answer with its preview, category, tags,
 * language and status. The page owns the draft and what submitting does;
 * `children` shows above the button (errors, a conflict).
 */
export function FaqForm({
  draft,
  errors,
  categories,
  submitLabel,
  busy,
  submitDisabled = false,
  status: statusLine,
  onChange,
  onSubmit,
  children,
}: {
  draft: FaqDraft;
  errors: FaqDraftErrors;
  categories: readonly FaqCategory[];
  submitLabel: string;
  busy: boolean;
  /** Nothing to submit (no changes). */
  submitDisabled?: boolean;
  /** Beside the button: whether there is anything to save. */
  status?: ReactNode;
  onChange: (changes: Partial<FaqDraft>) => void;
  onSubmit: () => void;
  children?: ReactNode;
}) {
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onSubmit();
  };
  const questionLength = charCount(draft.question.trim());
  return (
    <form onSubmit={submit} noValidate className="space-y-4">
      <TextArea
        label="Question"
        mono={false}
        rows={2}
        value={draft.question}
        error={errors.question}
        placeholder="As people ask it, e.g. How do I get a refund?"
        hint={questionLength > QUESTION_MAX_CHARS * 0.9 ? `${questionLength.toLocaleString('en')} / 1,000 characters.` : undefined}
        onChange={(e) => onChange({ question: e.target.value })}
      />
      <AnswerMarkdownField value={draft.answer} error={errors.answer} onChange={(answer) => onChange({ answer })} />
      <div className="grid gap-3 sm:grid-cols-2 lg:grid-cols-4">
        <CategorySelect
          label="Category"
          categories={categories}
          noneLabel="No category"
          value={draft.categoryId}
          onChange={(e) => onChange({ categoryId: e.target.value })}
        />
        <TextField
          label="Tags"
          value={draft.tags}
          error={errors.tags}
          placeholder="billing, refunds"
          hint={`Separated by commas; at most ${TAGS_MAX}.`}
          onChange={(e) => onChange({ tags: e.target.value })}
        />
        <TextField
          label="Language"
          value={draft.language}
          error={errors.language}
          hint="en, zh-Hant, pt-BR…"
          onChange={(e) => onChange({ language: e.target.value })}
        />
        <SelectField label="Status" value={draft.status} hint={STATUS_HINTS[draft.status]} onChange={(e) => onChange({ status: e.target.value as FaqStatus })}>
          {FAQ_STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </SelectField>
      </div>
      {children}
      <div className="flex flex-wrap items-center gap-3">
        <Button type="submit" busy={busy} disabled={submitDisabled}>
          {submitLabel}
        </Button>
        {statusLine}
      </div>
    </form>
  );
}
