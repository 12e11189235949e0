import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Repository } from '../../api/client';
import { apiError, json, mockFetch } from '../../test/fetchMock';
import { repository } from '../../test/fixtures';
import { renderAt } from '../../test/render';
import { AskQuestionForm } from './AskQuestionForm';
import { checkAskDraft, docTaskRequest } from './askForm';

afterEach(() => vi.unstubAllGlobals());

const repo = repository;

const render = (repositories: Repository[], props: { showRepository?: boolean; defaultRepositoryId?: string } = {}) =>
  renderAt('/documents', [
    { path: '/documents', element: <AskQuestionForm repositories={repositories} {...props} /> },
    { path: '/tasks/:id', element: <p>task page</p> },
  ]);

describe('ask form', () => {
  it('checks the question as the server would', () => {
    const draft = { repositoryId: 'r1', question: '  ', requireApproval: false, publish: false };
    expect(checkAskDraft(draft)).toEqual({ question: 'Write a question about the repository.' });
    expect(checkAskDraft({ ...draft, question: 'x'.repeat(2000) })).toEqual({});
    // Counted in characters, not UTF-16 units: 2,000 emoji fit.
    expect(checkAskDraft({ ...draft, question: '🦀'.repeat(2000) })).toEqual({});
    expect(checkAskDraft({ ...draft, question: 'x'.repeat(2001) })).toEqual({ question: 'At most 2,000 characters (this one has 2,001).' });
    expect(checkAskDraft({ ...draft, repositoryId: '', question: 'Why?' })).toEqual({ repository: 'Pick a repository that is indexed.' });
    expect(docTaskRequest({ repositoryId: 'r1', question: ' Why? ', requireApproval: true, publish: false })).toEqual({
      kind: 'doc',
      input: { repository_id: 'r1', question: 'Why?', require_approval: true, publish: false },
    });
  });

  it('refuses an empty question, then starts a doc task on the chosen ready repository and opens it', async () => {
    const { calls } = mockFetch({
      'GET /api/auth/me': () => apiError(401, 'unauthenticated', 'no'),
      'POST /api/tasks': () => json(202, { task_id: 'doc-task', trace_id: 'x', status: 'queued', created: true }),
    });
    const { router } = render([repo(), repo({ id: 'r2', name: 'frontend' }), repo({ id: 'r3', name: 'indexing', status: 'indexing' })]);
    const select = await screen.findByLabelText('Repository');
    expect([...(select as HTMLSelectElement).options].map((o) => o.text)).toEqual(['backend', 'frontend']);
    await userEvent.click(screen.getByRole('button', { name: 'Ask' }));
    expect(screen.getByText('Write a question about the repository.')).toBeInTheDocument();
    expect(screen.getByLabelText('Question')).toHaveAttribute('aria-invalid', 'true');
    expect(calls.some((c) => c.method === 'POST')).toBe(false);

    await userEvent.selectOptions(select, 'r2');
    await userEvent.type(screen.getByLabelText('Question'), 'What is the system architecture?');
    expect(screen.getByText(/^32 \/ 2,000 characters/)).toBeInTheDocument();
    await userEvent.click(screen.getByLabelText('Ask me to approve before it is final'));
    await userEvent.click(screen.getByLabelText('Publish as a branch / pull request'));
    await userEvent.click(screen.getByRole('button', { name: 'Ask' }));
    await screen.findByText('task page');
    expect(router.state.location.pathname).toBe('/tasks/doc-task');
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({
      kind: 'doc',
      input: { repository_id: 'r2', question: 'What is the system architecture?', require_approval: true, publish: true },
    });
  });

  it("shows the API's refusal in words", async () => {
    mockFetch({
      'GET /api/auth/me': () => apiError(401, 'unauthenticated', 'no'),
      'POST /api/tasks': () => apiError(422, 'validation', 'input: the repository has not been indexed'),
    });
    render([repo()], { showRepository: false });
    expect(screen.queryByLabelText('Repository')).not.toBeInTheDocument();
    await userEvent.type(await screen.findByLabelText('Question'), 'How are requests authenticated?');
    await userEvent.click(screen.getByRole('button', { name: 'Ask' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('the repository has not been indexed');
  });

  it('says what to do when no repository is ready', async () => {
    mockFetch({ 'GET /api/auth/me': () => apiError(401, 'unauthenticated', 'no') });
    render([]);
    expect(await screen.findByRole('link', { name: 'add one' })).toHaveAttribute('href', '/repositories');
    expect(screen.queryByRole('button', { name: 'Ask' })).not.toBeInTheDocument();
  });
});
