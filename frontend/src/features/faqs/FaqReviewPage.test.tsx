import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Schemas } from '../../api/client';
import { apiError, json, mockFetch, type Call } from '../../test/fetchMock';
import { faq, faqCategory, faqSuggestion, repository } from '../../test/fixtures';
import { ME, renderAt } from '../../test/render';
import { RequireSession } from '../auth';
import { FaqReviewPage } from './FaqReviewPage';

afterEach(() => vi.unstubAllGlobals());

const render = () => renderAt('/faqs/review', [{ path: '/faqs/review', element: <RequireSession><FaqReviewPage /></RequireSession> }]);

const GENERATED = faq({
  id: 'g1',
  question: 'How do I run the shop?',
  answer: 'Run it with **cargo run**.',
  status: 'draft',
  source: 'generated',
  version: 1,
  category_id: null,
  origin: {
    task_id: '0190f0e0-0000-7000-8000-000000000009',
    repository_id: 'r1',
    repository: 'shop',
    commit: 'abc123',
    evidence: [{ path: 'src/main.rs', start_line: 1, end_line: 3 }],
    verification: { claims_checked: 4, claims_kept: 3, claims_removed: 1 },
  },
});
const SUGGESTED = faq({
  id: 'f2',
  question: 'how do I reset my password',
  answer: 'Use the link on the log-in page.',
  status: 'draft',
  source: 'suggested',
  version: 3,
  origin: { suggestion_id: 's0', examples: ['forgot password'] },
});
const MANUAL = faq({ id: 'm1', question: 'A draft written by hand', status: 'draft', source: 'manual' });

function mockApi(role: Schemas['Role'] = 'owner') {
  return mockFetch({
    'GET /api/auth/me': () => json(200, { ...ME, role }),
    'GET /api/faq-categories': () => json(200, [faqCategory()]),
    'GET /api/repositories': () => json(200, { repositories: [repository(), repository({ id: 'r2', name: 'busy', status: 'indexing' })] }),
    'GET /api/faqs': () => json(200, { faqs: [GENERATED, MANUAL, SUGGESTED], next_cursor: null }),
    'PATCH /api/faqs/g1': (call) => json(200, { ...GENERATED, ...(call.body as object), version: 2 }),
    'PATCH /api/faqs/f2': () => apiError(409, 'conflict', 'the FAQ has changed since version 3'),
    'GET /api/faq-suggestions': () => json(200, { suggestions: [faqSuggestion()] }),
    'POST /api/faq-suggestions/refresh': () =>
      json(200, {
        suggestions: [faqSuggestion(), faqSuggestion({ id: 's2', query: 'can I export my data', examples: ['can I export my data'], count: 1 })],
        questions_considered: 9,
      }),
    'POST /api/faq-suggestions/s1/approve': (call) =>
      json(200, {
        suggestion: faqSuggestion({ status: 'approved' }),
        task_id: (call.body as { repository_id?: string }).repository_id ? 'task-9' : null,
        faq_id: (call.body as { answer?: string }).answer ? 'f3' : null,
      }),
    'POST /api/faq-suggestions/s2/dismiss': () => json(200, faqSuggestion({ id: 's2', query: 'can I export my data', status: 'dismissed' })),
    'POST /api/tasks': () => json(202, { task_id: 'task-1', trace_id: 'x', status: 'queued', created: true }),
  });
}

const posts = (calls: Call[], path: string) => calls.filter((c) => c.method === 'POST' && c.url === path);

describe('FaqReviewPage', () => {
  it('lists drafts the assistant wrote with their evidence and checks, and publishes one at the version shown', async () => {
    const { calls } = mockApi();
    render();
    const queue = await screen.findByRole('list', { name: 'Drafts to review' });
    const items = within(queue).getAllByRole('listitem').filter((li) => li.hasAttribute('data-faq-id'));
    expect(items.map((li) => li.getAttribute('data-faq-id'))).toEqual(['g1', 'f2']);
    expect(calls.find((c) => c.url.startsWith('/api/faqs'))?.url).toBe('/api/faqs?status=draft&limit=200');

    const generated = items[0]!;
    expect(within(generated).getByRole('link', { name: 'How do I run the shop?' })).toHaveAttribute('href', '/faqs/g1');
    expect(generated).toHaveTextContent('Written by the assistant');
    expect(generated).toHaveTextContent('from shop @ abc123');
    expect(within(generated).getByRole('link', { name: 'task 0190f0e0' })).toHaveAttribute('href', '/tasks/0190f0e0-0000-7000-8000-000000000009');
    expect(generated.querySelector('strong')).toHaveTextContent('cargo run');
    expect(within(generated).getByTestId('verification')).toHaveTextContent('4 claims checked against the code: 3 kept, 1 removed as unsupported.');
    expect(within(within(generated).getByRole('list', { name: 'Evidence' })).getByRole('link', { name: 'src/main.rs:L1-L3' })).toHaveAttribute(
      'href',
      '/repositories/r1/file?path=src%2Fmain.rs&commit=abc123#L1-L3',
    );
    expect(items[1]).toHaveTextContent('From a suggestion');
    expect(within(items[1]!).getByText('forgot password')).toBeInTheDocument();

    await userEvent.click(within(generated).getByRole('button', { name: 'Publish “How do I run the shop?”' }));
    expect(await screen.findByText(/^Published “/)).toHaveTextContent('Published “How do I run the shop?”.');
    expect(calls.find((c) => c.method === 'PATCH')).toEqual({ method: 'PATCH', url: '/api/faqs/g1', body: { status: 'published', expected_version: 1 } });
    expect(within(queue).queryByRole('link', { name: 'How do I run the shop?' })).not.toBeInTheDocument();

    // Changed by someone else meanwhile: nothing decided, and said so.
    await userEvent.click(within(queue).getByRole('button', { name: 'Archive “how do I reset my password”' }));
    const stale = await within(queue).findByRole('alert');
    expect(stale).toHaveTextContent('Someone changed this draft since the queue was loaded, so nothing was decided.');
    expect(calls.filter((c) => c.method === 'PATCH').at(-1)?.body).toEqual({ status: 'archived', expected_version: 3 });
    await userEvent.click(within(stale).getByRole('button', { name: 'Reload the queue' }));
    await within(queue).findByRole('button', { name: 'Archive “how do I reset my password”' });
  });

  it('starts a faq task from a ready repository, and links to it', async () => {
    const { calls } = mockApi();
    render();
    const form = (await screen.findByRole('heading', { name: 'Generate FAQs from a repository' })).closest('section')!;
    const repo = await within(form).findByLabelText('Repository');
    expect([...(repo as HTMLSelectElement).options].map((o) => o.text)).toEqual(['Pick a repository', 'backend']);
    expect(repo).toHaveValue('r1');

    await userEvent.click(within(form).getByRole('button', { name: 'Generate FAQs' }));
    expect(within(form).getByText('Write the question as people ask it.')).toBeInTheDocument();
    await userEvent.click(within(form).getByLabelText('Questions a newcomer would ask'));
    const count = within(form).getByLabelText('How many questions');
    await userEvent.clear(count);
    await userEvent.type(count, '25');
    await userEvent.click(within(form).getByRole('button', { name: 'Generate FAQs' }));
    expect(within(form).getByText('A whole number from 1 to 20.')).toBeInTheDocument();
    expect(posts(calls, '/api/tasks')).toHaveLength(0);

    await userEvent.clear(count);
    await userEvent.type(count, '3');
    await userEvent.selectOptions(within(form).getByLabelText('Category'), 'c1');
    await userEvent.click(within(form).getByLabelText('Ask me to approve the drafts'));
    await userEvent.click(within(form).getByRole('button', { name: 'Generate FAQs' }));
    const started = await within(form).findByRole('status');
    expect(started).toHaveTextContent('The assistant is writing the answers');
    expect(within(started).getByRole('link', { name: 'Open the task' })).toHaveAttribute('href', '/tasks/task-1');
    expect(posts(calls, '/api/tasks')[0]?.body).toEqual({
      kind: 'faq',
      input: { repository_id: 'r1', count: 3, category_id: 'c1', require_approval: true },
    });
  });

  it('refreshes suggestions from unanswered questions, approves one for a task to draft, answers another, dismisses a third', async () => {
    const { calls } = mockApi();
    render();
    const card = (await screen.findByRole('heading', { name: 'Suggested from unanswered questions' })).closest('section')!;
    const first = await within(card).findByText('how do I reset my password');
    const item = first.closest('li')!;
    expect(item).toHaveTextContent('Asked 4 times without a good answer');
    expect(item).toHaveTextContent('Also asked as: “forgot password”, “password reset link”');

    await userEvent.click(within(card).getByRole('button', { name: 'Refresh suggestions' }));
    expect(await within(card).findByText('Looked at 9 unanswered questions of the last 30 days.')).toBeInTheDocument();
    expect(within(card).getByText('can I export my data')).toBeInTheDocument();

    // Approved with a repository: a task drafts the answer.
    await userEvent.click(within(card).getByRole('button', { name: 'Approve “how do I reset my password”' }));
    const form = within(card).getByRole('form', { name: 'Approve “how do I reset my password”' });
    expect(within(form).getByLabelText('Repository')).toHaveValue('r1');
    await userEvent.click(within(form).getByRole('button', { name: 'Approve and draft the answer' }));
    const notice = await within(card).findByRole('status');
    expect(notice).toHaveTextContent('Approved “how do I reset my password”: the assistant is drafting the answer');
    expect(within(notice).getByRole('link', { name: 'Open the task' })).toHaveAttribute('href', '/tasks/task-9');
    expect(posts(calls, '/api/faq-suggestions/s1/approve')[0]?.body).toEqual({ repository_id: 'r1' });
    expect(within(card).queryByText('how do I reset my password')).not.toBeInTheDocument();

    await userEvent.click(within(card).getByRole('button', { name: 'Dismiss “can I export my data”' }));
    expect(await within(card).findByText(/^Dismissed “can I export my data”/)).toBeInTheDocument();
    expect(within(card).getByText('No suggestions')).toBeInTheDocument();
    expect(posts(calls, '/api/faq-suggestions/s2/dismiss')).toHaveLength(1);
  });

  it('saves an answer written for a suggestion as a draft, and reloads the queue', async () => {
    const { calls } = mockApi();
    render();
    const card = (await screen.findByRole('heading', { name: 'Suggested from unanswered questions' })).closest('section')!;
    await userEvent.click(await within(card).findByRole('button', { name: 'Approve “how do I reset my password”' }));
    await userEvent.click(within(card).getByLabelText('I write the answer'));
    await userEvent.click(within(card).getByRole('button', { name: 'Approve and save the draft' }));
    expect(within(card).getByText('Write the answer.')).toBeInTheDocument();
    const loads = calls.filter((c) => c.url.startsWith('/api/faqs?')).length;
    await userEvent.type(within(card).getByLabelText('Answer (Markdown)'), 'Use the *reset* link.');
    await userEvent.selectOptions(within(card).getByLabelText('Category'), 'c1');
    await userEvent.click(within(card).getByRole('button', { name: 'Approve and save the draft' }));
    expect(await within(card).findByRole('status')).toHaveTextContent('your answer waits in the queue above as a draft');
    expect(posts(calls, '/api/faq-suggestions/s1/approve')[0]?.body).toEqual({ answer: 'Use the *reset* link.', category_id: 'c1' });
    expect(calls.filter((c) => c.url.startsWith('/api/faqs?')).length).toBe(loads + 1);
  });

  it('shows a member the queue and suggestions without deciding, and lets them generate', async () => {
    mockApi('member');
    render();
    await screen.findByRole('list', { name: 'Drafts to review' });
    expect(screen.queryByRole('button', { name: /^Publish/ })).not.toBeInTheDocument();
    expect(await screen.findByText('how do I reset my password', { selector: 'p' })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: /^Approve/ })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Refresh suggestions' })).not.toBeInTheDocument();
    expect(await screen.findByRole('button', { name: 'Generate FAQs' })).toBeInTheDocument();
  });
});
