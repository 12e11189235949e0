// The ask-a-question form's logic: what to check before sending (the doc
// graph's limits, orchestration/src/graphs/doc/graph.rs) and the task it starts.
import type { Schemas } from '../../api/client';

/** Longest question, in characters (as the server counts them: code points). */
export const MAX_QUESTION_CHARS = 2_000;

export interface AskDraft {
  repositoryId: string;
  question: string;
  requireApproval: boolean;
  publish: boolean;
}

export type AskErrors = Partial<Record<'repository' | 'question', string>>;

/** Characters of the question as the server counts them (trimmed, code points). */
export const questionLength = (question: string): number => [...question.trim()].length;

export function checkAskDraft(draft: AskDraft): AskErrors {
  const errors: AskErrors = {};
  if (!draft.repositoryId) errors.repository = 'Pick a repository that is indexed.';
  const length = questionLength(draft.question);
  if (length === 0) errors.question = 'Write a question about the repository.';
  else if (length > MAX_QUESTION_CHARS) errors.question = `At most 2,000 characters (this one has ${length.toLocaleString('en')}).`;
  return errors;
}

/** The `doc` task that answers the question. */
export function docTaskRequest(draft: AskDraft): Schemas['CreateTaskRequest'] {
  return {
    kind: 'doc',
    input: {
      repository_id: draft.repositoryId,
      question: draft.question.trim(),
      require_approval: draft.requireApproval,
      publish: draft.publish,
    },
  };
}
