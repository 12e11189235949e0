// An FAQ as the editor holds it, checked as the server checks it
// (core/src/faq.rs), and the create and update requests made from it.
import type { CreateFaqRequest, Faq, FaqStatus, UpdateFaqRequest } from './types';

export const QUESTION_MAX_CHARS = 1000;
export const ANSWER_MAX_CHARS = 20_000;
export const TAGS_MAX = 32;
export const TAG_MAX_CHARS = 64;

export interface FaqDraft {
  question: string;
  /** Markdown. */
  answer: string;
  /** `''` for no category. */
  categoryId: string;
  /** As typed: tags separated by commas. */
  tags: string;
  language: string;
  status: FaqStatus;
}

export type FaqDraftErrors = Partial<Record<'question' | 'answer' | 'tags' | 'language', string>>;

export const NEW_FAQ_DRAFT: FaqDraft = { question: '', answer: '', categoryId: '', tags: '', language: 'en', status: 'draft' };

export function draftOf(faq: Faq): FaqDraft {
  return {
    question: faq.question,
    answer: faq.answer,
    categoryId: faq.category_id ?? '',
    tags: faq.tags.join(', '),
    language: faq.language,
    status: faq.status,
  };
}

/** Counted as the server counts: characters, not UTF-16 units. */
export const charCount = (text: string): number => [...text].length;

/** `billing, Refunds ,billing` → `['billing', 'Refunds']`: trimmed, empty ones and repeats dropped. */
export function parseTags(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split(',')) {
    const tag = raw.trim();
    if (tag && !out.includes(tag)) out.push(tag);
  }
  return out;
}

// A BCP 47 tag's shape: `en`, `zh-Hant`, `pt-BR` (the server canonicalises the case).
const LANGUAGE = /^[A-Za-z]{2,8}(?:[-_][A-Za-z0-9]{1,8})*$/;

const tooLong = (n: number, max: number) => `At most ${max.toLocaleString('en')} characters (this one has ${n.toLocaleString('en')}).`;

export function checkFaqDraft(draft: FaqDraft): FaqDraftErrors {
  const errors: FaqDraftErrors = {};
  const question = draft.question.trim();
  if (!question) errors.question = 'Write the question as people ask it.';
  else if (charCount(question) > QUESTION_MAX_CHARS) errors.question = tooLong(charCount(question), QUESTION_MAX_CHARS);
  if (!draft.answer.trim()) errors.answer = 'Write the answer.';
  else if (charCount(draft.answer) > ANSWER_MAX_CHARS) errors.answer = tooLong(charCount(draft.answer), ANSWER_MAX_CHARS);
  const tags = parseTags(draft.tags);
  const long = tags.find((t) => charCount(t) > TAG_MAX_CHARS);
  if (tags.length > TAGS_MAX) errors.tags = `At most ${TAGS_MAX} tags (there are ${tags.length}).`;
  else if (long) errors.tags = `A tag has at most ${TAG_MAX_CHARS} characters: “${long.slice(0, 20)}…” is longer.`;
  if (!LANGUAGE.test(draft.language.trim())) errors.language = 'A language tag like en, zh-Hant or pt-BR.';
  return errors;
}

export function createRequest(draft: FaqDraft): CreateFaqRequest {
  return {
    question: draft.question.trim(),
    answer: draft.answer,
    category_id: draft.categoryId || null,
    tags: parseTags(draft.tags),
    language: draft.language.trim(),
    status: draft.status,
  };
}

const sameTags = (a: string[], b: string[]) => a.length === b.length && a.every((t, i) => t === b[i]);

/** Only what the draft changes (`{}` when nothing), so an edit touches no other field. */
export function faqChanges(faq: Faq, draft: FaqDraft): Omit<UpdateFaqRequest, 'expected_version'> {
  const changes: Omit<UpdateFaqRequest, 'expected_version'> = {};
  const question = draft.question.trim();
  if (question !== faq.question) changes.question = question;
  if (draft.answer !== faq.answer) changes.answer = draft.answer;
  if ((draft.categoryId || null) !== (faq.category_id ?? null)) changes.category_id = draft.categoryId || null;
  const tags = parseTags(draft.tags);
  if (!sameTags(tags, faq.tags)) changes.tags = tags;
  if (draft.language.trim() !== faq.language) changes.language = draft.language.trim();
  if (draft.status !== faq.status) changes.status = draft.status;
  return changes;
}
