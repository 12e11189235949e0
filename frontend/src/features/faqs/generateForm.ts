// The "Generate FAQs" form: what the `faq` task accepts
// (agents/src/faq/graph.rs: a question of 1–1,000 characters or a count of
// 1–20 questions to propose) and the task request made from it.
import type { Schemas } from '../../api/client';
import { charCount, QUESTION_MAX_CHARS } from './faqForm';

export const MAX_GENERATED = 20;

export interface GenerateDraft {
  repositoryId: string;
  /** Answer one question, or propose and answer several. */
  mode: 'one' | 'several';
  question: string;
  /** As typed. */
  count: string;
  /** `''` for none. */
  categoryId: string;
  requireApproval: boolean;
}

export type GenerateErrors = Partial<Record<'repository' | 'question' | 'count', string>>;

export const NEW_GENERATE_DRAFT: GenerateDraft = { repositoryId: '', mode: 'one', question: '', count: '5', categoryId: '', requireApproval: false };

export function checkGenerateDraft(draft: GenerateDraft): GenerateErrors {
  const errors: GenerateErrors = {};
  if (!draft.repositoryId) errors.repository = 'Pick a repository that is indexed.';
  if (draft.mode === 'one') {
    const length = charCount(draft.question.trim());
    if (length === 0) errors.question = 'Write the question as people ask it.';
    else if (length > QUESTION_MAX_CHARS) errors.question = `At most 1,000 characters (this one has ${length.toLocaleString('en')}).`;
  } else {
    const raw = draft.count.trim();
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || n < 1 || n > MAX_GENERATED) errors.count = `A whole number from 1 to ${MAX_GENERATED}.`;
  }
  return errors;
}

/** The `faq` task that drafts the answers; they wait as drafts in the review queue. */
export function faqTaskRequest(draft: GenerateDraft): Schemas['CreateTaskRequest'] {
  const input: Record<string, unknown> = { repository_id: draft.repositoryId };
  if (draft.mode === 'one') input.question = draft.question.trim();
  else input.count = Number(draft.count.trim());
  if (draft.categoryId) input.category_id = draft.categoryId;
  input.require_approval = draft.requireApproval;
  return { kind: 'faq', input };
}
