import { describe, expect, it } from 'vitest';
import { faq } from '../../test/fixtures';
import { checkGenerateDraft, faqTaskRequest, NEW_GENERATE_DRAFT } from './generateForm';
import { needsReview, readOrigin } from './review';

describe('review queue', () => {
  it('reviews drafts the assistant wrote or a suggestion asked for', () => {
    expect(needsReview(faq({ status: 'draft', source: 'generated' }))).toBe(true);
    expect(needsReview(faq({ status: 'draft', source: 'suggested' }))).toBe(true);
    expect(needsReview(faq({ status: 'draft', source: 'manual' }))).toBe(false);
    expect(needsReview(faq({ status: 'published', source: 'generated' }))).toBe(false);
  });

  it("reads a generated draft's origin, and survives a strange one", () => {
    expect(
      readOrigin({
        task_id: 't1',
        repository_id: 'r1',
        repository: 'shop',
        commit: 'abc',
        evidence: [{ path: 'src/main.rs', start_line: 1, end_line: 3 }, { path: '', start_line: 1, end_line: 2 }, { path: 'x.rs', start_line: 9, end_line: 4 }, 'junk'],
        verification: { claims_checked: 4, claims_kept: 3, claims_removed: 1 },
      }),
    ).toEqual({
      taskId: 't1',
      repositoryId: 'r1',
      repository: 'shop',
      commit: 'abc',
      evidence: [
        { path: 'src/main.rs', startLine: 1, endLine: 3 },
        { path: 'x.rs', startLine: 9, endLine: 9 },
      ],
      verification: { checked: 4, kept: 3, removed: 1 },
      examples: [],
    });
    expect(readOrigin({ suggestion_id: 's1', examples: ['forgot password', 3] })).toEqual({ evidence: [], examples: ['forgot password'] });
    expect(readOrigin(null)).toEqual({ evidence: [], examples: [] });
    expect(readOrigin({ verification: { claims_checked: 2, claims_removed: 1 } }).verification).toEqual({ checked: 2, kept: 1, removed: 1 });
  });

  it('checks the generate form as the faq task would, and makes its task', () => {
    const draft = { ...NEW_GENERATE_DRAFT, repositoryId: 'r1', question: ' How do I run the tests? ' };
    expect(checkGenerateDraft(draft)).toEqual({});
    expect(checkGenerateDraft({ ...draft, repositoryId: '', question: '' })).toEqual({
      repository: 'Pick a repository that is indexed.',
      question: 'Write the question as people ask it.',
    });
    expect(checkGenerateDraft({ ...draft, question: 'x'.repeat(1001) }).question).toBe('At most 1,000 characters (this one has 1,001).');
    for (const count of ['0', '21', '2.5', 'five', '']) {
      expect(checkGenerateDraft({ ...draft, mode: 'several', count }), count).toEqual({ count: 'A whole number from 1 to 20.' });
    }
    expect(checkGenerateDraft({ ...draft, mode: 'several', count: '20', question: '' })).toEqual({});
    expect(faqTaskRequest(draft)).toEqual({ kind: 'faq', input: { repository_id: 'r1', question: 'How do I run the tests?', require_approval: false } });
    expect(faqTaskRequest({ ...draft, mode: 'several', count: ' 5 ', categoryId: 'c1', requireApproval: true })).toEqual({
      kind: 'faq',
      input: { repository_id: 'r1', count: 5, category_id: 'c1', require_approval: true },
    });
  });
});
