import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Schemas } from '../../api/client';
import { apiError, json, mockFetch } from '../../test/fetchMock';
import { faq, faqCategory, faqVersion } from '../../test/fixtures';
import { ME, renderAt } from '../../test/render';
import { RequireSession } from '../auth';
import { FaqPage } from './FaqPage';

afterEach(() => vi.unstubAllGlobals());

const DIFF = [
  '--- version 1',
  '+++ version 2',
  '@@ -1,3 +1,3 @@',
  ' ## How do I get a refund?',
  ' ',
  '-Write to billing.',
  '+Write to **billing@example.com** within 30 days.',
  '',
].join('\n');

/** The API of one FAQ; `state.faq` is what the server has now. */
function mockApi(options: { role?: Schemas['Role']; patch?: (body: unknown) => Response } = {}) {
  const state = { faq: faq(), deleted: false };
  const mock = mockFetch({
    'GET /api/auth/me': () => json(200, { ...ME, role: options.role ?? 'owner' }),
    'GET /api/faqs/f1': () => (state.deleted ? apiError(404, 'not_found', 'FAQ not found') : json(200, state.faq)),
    'GET /api/faqs/f1/versions': () =>
      json(200, [faqVersion({ version: 2, status: 'published', answer: state.faq.answer }), faqVersion({ version: 1, edited_by: null })]),
    'GET /api/faqs/f1/diff': () => json(200, { from: 1, to: 2, diff: DIFF }),
    'GET /api/faq-categories': () => json(200, [faqCategory(), faqCategory({ id: 'c3', name: 'Accounts', position: 1 })]),
    'GET /api/tenant/members': () => json(200, [{ user_id: 'u1', email: 'ada@example.com', role: 'owner', joined_at: '2026-01-01T00:00:00Z' }]),
    'PATCH /api/faqs/f1': (call) => {
      if (options.patch) return options.patch(call.body);
      const changes = { ...(call.body as Record<string, unknown>) };
      delete changes.expected_version;
      state.faq = { ...state.faq, ...changes, version: state.faq.version + 1 };
      return json(200, state.faq);
    },
    'DELETE /api/faqs/f1': () => {
      state.deleted = true;
      return new Response(null, { status: 204 });
    },
  });
  return { ...mock, state };
}

const render = (path = '/faqs/f1') =>
  renderAt(path, [
    { path: '/faqs/:faqId', element: <RequireSession><FaqPage /></RequireSession> },
    { path: '/faqs', element: <p>faq list</p> },
  ]);

describe('FaqPage', () => {
  it('edits with a live preview, and saves only what changed against the version shown', async () => {
    const { calls } = mockApi();
    render();
    const question = await screen.findByLabelText('Question');
    expect(question).toHaveValue('How do I get a refund?');
    expect(screen.getByRole('heading', { level: 1, name: 'How do I get a refund?' })).toBeInTheDocument();
    expect(screen.getByTestId('faq-version')).toHaveTextContent('Version 2');
    expect(screen.getByTestId('faq-views')).toHaveTextContent('12');
    expect(screen.getByTestId('faq-helpful')).toHaveTextContent('3');
    expect(screen.getByTestId('faq-not-helpful')).toHaveTextContent('1');
    expect(screen.getByTestId('faq-answer-hits')).toHaveTextContent('7');
    expect(screen.getByTestId('faq-helpful-rate')).toHaveTextContent('75% found it helpful (4 ratings).');
    const save = screen.getByRole('button', { name: 'Save changes' });
    expect(save).toBeDisabled();
    expect(screen.getByTestId('draft-state')).toHaveTextContent('No changes to save');

    const answer = screen.getByLabelText('Answer (Markdown)');
    await userEvent.clear(answer);
    await userEvent.type(answer, '## Steps{Enter}{Enter}Write to **us**.');
    const preview = screen.getByRole('region', { name: 'Preview' });
    expect(await within(preview).findByRole('heading', { level: 2, name: 'Steps' })).toBeInTheDocument();
    expect(within(preview).getByText('us').tagName).toBe('STRONG');

    await userEvent.type(screen.getByRole('textbox', { name: 'Tags' }), ', refunds');
    await userEvent.selectOptions(screen.getByLabelText('Status'), 'archived');
    await userEvent.selectOptions(screen.getByLabelText('Category'), 'c3');
    expect(screen.getByTestId('draft-state')).toHaveTextContent('Unsaved changes');
    await userEvent.click(save);

    expect(await screen.findByRole('status')).toHaveTextContent('Saved as version 3.');
    expect(calls.find((c) => c.method === 'PATCH')?.body).toEqual({
      answer: '## Steps\n\nWrite to **us**.',
      category_id: 'c3',
      tags: ['billing', 'refunds'],
      status: 'archived',
      expected_version: 2,
    });
    expect(screen.getByTestId('faq-version')).toHaveTextContent('Version 3');
    expect(screen.getByRole('button', { name: 'Save changes' })).toBeDisabled();
    expect(calls.filter((c) => c.url === '/api/faqs/f1/versions')).toHaveLength(2);
  });

  it('checks the fields before saving', async () => {
    const { calls } = mockApi();
    render();
    const question = await screen.findByLabelText('Question');
    await userEvent.clear(question);
    await userEvent.clear(screen.getByLabelText('Language'));
    await userEvent.type(screen.getByLabelText('Language'), 'english!');
    await userEvent.click(screen.getByRole('button', { name: 'Save changes' }));
    expect(screen.getByText('Write the question as people ask it.')).toBeInTheDocument();
    expect(screen.getByText('A language tag like en, zh-Hant or pt-BR.')).toBeInTheDocument();
    expect(question).toHaveAttribute('aria-invalid', 'true');
    expect(calls.some((c) => c.method === 'PATCH')).toBe(false);
  });

  it('says so when someone else saved first (409), keeps the edit, and loads the latest on request', async () => {
    const api = mockApi({ patch: () => apiError(409, 'conflict', 'a newer version of this FAQ') });
    render();
    const question = await screen.findByLabelText('Question');
    await userEvent.type(question, ' Quickly');
    await userEvent.click(screen.getByRole('button', { name: 'Save changes' }));

    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Someone else changed this FAQ while you were editing it');
    expect(alert).toHaveTextContent('You started from version 2');
    expect(alert).toHaveTextContent('your changes were not saved');
    expect(alert).not.toHaveTextContent('a newer version of this FAQ');
    expect(screen.getByLabelText('Question')).toHaveValue('How do I get a refund? Quickly');
    expect(api.calls.find((c) => c.method === 'PATCH')?.body).toEqual({ question: 'How do I get a refund? Quickly', expected_version: 2 });

    api.state.faq = faq({ version: 3, question: 'How do I get my money back?' });
    await userEvent.click(within(alert).getByRole('button', { name: 'Load the latest version' }));
    expect(await screen.findByDisplayValue('How do I get my money back?')).toBeInTheDocument();
    expect(screen.getByTestId('faq-version')).toHaveTextContent('Version 3');
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });

  it('is read-only for a member: the answer rendered, no editor, no delete', async () => {
    mockApi({ role: 'member' });
    render();
    const body = await screen.findByTestId('faq-markdown');
    // GitHub flavour: bold, and the address a mail link.
    expect(within(body).getByRole('link', { name: 'billing@example.com' }).closest('strong')).not.toBeNull();
    expect(screen.getByText('Owners and admins edit FAQs.')).toBeInTheDocument();
    expect(screen.queryByLabelText('Question')).not.toBeInTheDocument();
    expect(screen.queryByRole('textbox')).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Save changes' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Delete' })).not.toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Billing' })).toHaveAttribute('href', '/faqs?category=c1');
    expect(screen.getByTestId('faq-answer-hits')).toHaveTextContent('7');
  });

  it('lists the versions with who saved them, and shows what a version changed', async () => {
    mockApi();
    const { router } = render();
    const versions = await screen.findByRole('list', { name: 'Versions' });
    const v2 = versions.querySelector<HTMLElement>('[data-version="2"]')!;
    const v1 = versions.querySelector<HTMLElement>('[data-version="1"]')!;
    expect(v2).toHaveTextContent('Version 2(current)published');
    expect(v2).toHaveTextContent('by ada@example.com');
    expect(v1).toHaveTextContent('by an import or the assistant');
    expect(within(v1).queryByRole('link', { name: /What version 1 changed/ })).not.toBeInTheDocument();
    expect(within(v1).getByRole('link', { name: 'Compare version 1 with the current one' })).toHaveAttribute('href', '/faqs/f1?from=1&to=2');

    await userEvent.click(within(v2).getByRole('link', { name: 'What version 2 changed' }));
    expect(router.state.location.search).toBe('?from=1&to=2');
    const table = await screen.findByRole('table', { name: 'Changes from version 1 to 2' });
    expect(table.querySelector('[data-diff="removed"]')).toHaveTextContent('removed: Write to billing.');
    expect(table.querySelector('[data-diff="added"]')).toHaveTextContent('added: Write to **billing@example.com** within 30 days.');
    expect(screen.getByTestId('diff-summary')).toHaveTextContent('Version 1 → version 2: +1 −1 lines');
    await userEvent.click(screen.getByRole('link', { name: 'Close the comparison' }));
    expect(router.state.location.search).toBe('');
    expect(screen.queryByRole('table')).not.toBeInTheDocument();
  });

  it('deletes after asking, then goes back to the list', async () => {
    const { calls } = mockApi();
    const { router } = render();
    await userEvent.click(await screen.findByRole('button', { name: 'Delete' }));
    await userEvent.click(screen.getByRole('button', { name: 'Delete this FAQ' }));
    await screen.findByText('faq list');
    expect(router.state.location.pathname).toBe('/faqs');
    expect(calls.some((c) => c.method === 'DELETE' && c.url === '/api/faqs/f1')).toBe(true);
  });

  it("says so when the FAQ is not found (another tenant's, or deleted)", async () => {
    mockFetch({
      'GET /api/auth/me': () => json(200, ME),
      'GET /api/faqs/f9': () => apiError(404, 'not_found', 'FAQ not found'),
      'GET /api/faqs/f9/versions': () => apiError(404, 'not_found', 'FAQ not found'),
      'GET /api/faq-categories': () => json(200, []),
      'GET /api/tenant/members': () => json(200, []),
    });
    render('/faqs/f9');
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Not found');
    expect(alert).toHaveTextContent('FAQ not found');
    expect(screen.getByRole('link', { name: 'Back to FAQs' })).toHaveAttribute('href', '/faqs');
  });
});
