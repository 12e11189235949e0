import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { apiError, json, mockFetch } from '../../test/fetchMock';
import { faq, faqCategory } from '../../test/fixtures';
import { ME, renderAt } from '../../test/render';
import { RequireSession } from '../auth';
import { NewFaqPage } from './NewFaqPage';

afterEach(() => vi.unstubAllGlobals());

const render = () =>
  renderAt('/faqs/new', [
    { path: '/faqs/new', element: <RequireSession><NewFaqPage /></RequireSession> },
    { path: '/faqs/:id', element: <p>faq page</p> },
  ]);

describe('NewFaqPage', () => {
  it('refuses an empty FAQ, then creates one and opens it', async () => {
    const { calls } = mockFetch({
      'GET /api/auth/me': () => json(200, ME),
      'GET /api/faq-categories': () => json(200, [faqCategory()]),
      'POST /api/faqs': () => json(201, faq({ id: 'f7', version: 1 })),
    });
    const { router } = render();
    await userEvent.click(await screen.findByRole('button', { name: 'Create FAQ' }));
    expect(screen.getByText('Write the question as people ask it.')).toBeInTheDocument();
    expect(screen.getByText('Write the answer.')).toBeInTheDocument();
    expect(calls.some((c) => c.method === 'POST')).toBe(false);

    await userEvent.type(screen.getByLabelText('Question'), ' How do I get a refund? ');
    expect(screen.queryByText('Write the question as people ask it.')).not.toBeInTheDocument();
    await userEvent.type(screen.getByLabelText('Answer (Markdown)'), 'Write to *billing*.');
    await userEvent.selectOptions(await screen.findByLabelText('Category'), 'c1');
    await userEvent.type(screen.getByRole('textbox', { name: 'Tags' }), 'billing, refunds, billing');
    await userEvent.selectOptions(screen.getByLabelText('Status'), 'published');
    expect(screen.getByText('Published: the assistant answers with it.')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Create FAQ' }));

    await screen.findByText('faq page');
    expect(router.state.location.pathname).toBe('/faqs/f7');
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({
      question: 'How do I get a refund?',
      answer: 'Write to *billing*.',
      category_id: 'c1',
      tags: ['billing', 'refunds'],
      language: 'en',
      status: 'published',
    });
  });

  it("shows the API's refusal in words", async () => {
    mockFetch({
      'GET /api/auth/me': () => json(200, ME),
      'GET /api/faq-categories': () => json(200, []),
      'POST /api/faqs': () => apiError(422, 'validation', 'tags: a tag must have 1 to 64 characters and no control characters'),
    });
    render();
    await userEvent.type(await screen.findByLabelText('Question'), 'Why?');
    await userEvent.type(screen.getByLabelText('Answer (Markdown)'), 'Because.');
    await userEvent.click(screen.getByRole('button', { name: 'Create FAQ' }));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Please check the form');
    expect(alert).toHaveTextContent('a tag must have 1 to 64 characters');
  });

  it('tells a member that owners and admins write FAQs', async () => {
    mockFetch({ 'GET /api/auth/me': () => json(200, { ...ME, role: 'member' }), 'GET /api/faq-categories': () => json(200, []) });
    render();
    expect(await screen.findByText('Only owners and admins write FAQs')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Create FAQ' })).not.toBeInTheDocument();
  });
});
