import { describe, expect, it } from 'vitest';
import { faq } from '../../test/fixtures';
import { checkFaqDraft, createRequest, draftOf, faqChanges, NEW_FAQ_DRAFT, parseTags } from './faqForm';
import { formatRate } from './format';
import { readSignal } from './searchSignals';

describe('FAQ form', () => {
  it('reads tags as the server keeps them: trimmed, no empty ones, no repeats', () => {
    expect(parseTags(' billing, Refunds ,, billing,refunds ')).toEqual(['billing', 'Refunds', 'refunds']);
    expect(parseTags('')).toEqual([]);
  });

  it('checks a draft as the server would, counting characters', () => {
    const draft = { ...NEW_FAQ_DRAFT, question: 'Why?', answer: 'Because.' };
    expect(checkFaqDraft(draft)).toEqual({});
    expect(checkFaqDraft({ ...draft, question: '  ', answer: '' })).toEqual({
      question: 'Write the question as people ask it.',
      answer: 'Write the answer.',
    });
    expect(checkFaqDraft({ ...draft, question: '🦀'.repeat(1000) })).toEqual({});
    expect(checkFaqDraft({ ...draft, question: '🦀'.repeat(1001) })).toEqual({ question: 'At most 1,000 characters (this one has 1,001).' });
    expect(checkFaqDraft({ ...draft, tags: Array.from({ length: 33 }, (_, i) => `t${i}`).join(',') }).tags).toBe('At most 32 tags (there are 33).');
    expect(checkFaqDraft({ ...draft, tags: 'x'.repeat(65) }).tags).toMatch(/^A tag has at most 64 characters/);
    expect(checkFaqDraft({ ...draft, language: 'zh-Hant' })).toEqual({});
    expect(checkFaqDraft({ ...draft, language: 'english!' })).toEqual({ language: 'A language tag like en, zh-Hant or pt-BR.' });
  });

  it('sends a new FAQ whole, and an edit as only what changed', () => {
    expect(createRequest({ ...NEW_FAQ_DRAFT, question: ' Why? ', answer: 'Because.\n', tags: 'a, b' })).toEqual({
      question: 'Why?',
      answer: 'Because.\n',
      category_id: null,
      tags: ['a', 'b'],
      language: 'en',
      status: 'draft',
    });
    const current = faq();
    const draft = draftOf(current);
    expect(faqChanges(current, draft)).toEqual({});
    expect(faqChanges(current, { ...draft, tags: ' billing ' })).toEqual({});
    expect(faqChanges(current, { ...draft, categoryId: '', status: 'archived' })).toEqual({ category_id: null, status: 'archived' });
    expect(faqChanges(faq({ category_id: null }), { ...draftOf(faq({ category_id: null })), categoryId: 'c9' })).toEqual({ category_id: 'c9' });
  });

  it('reads search signals and rates defensively', () => {
    expect(readSignal({ rank: 2, score: 0.8 })).toEqual({ rank: 2, score: 0.8 });
    expect(readSignal(null)).toBeNull();
    expect(readSignal({ rank: '1', score: 2 })).toBeNull();
    expect(formatRate(1, 4)).toBe('25%');
    expect(formatRate(1, 3)).toBe('33.3%');
    expect(formatRate(0, 0)).toBe('—');
  });
});
