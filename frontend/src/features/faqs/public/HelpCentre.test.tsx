import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Schemas } from '../../../api/client';
import { apiError, json, mockFetch, type Call } from '../../../test/fetchMock';
import { renderAt } from '../../../test/render';
import { HelpArticlePage } from './HelpArticlePage';
import { HelpCentreHome } from './HelpCentreHome';
import { HelpCentreLayout } from './HelpCentreLayout';

afterEach(() => vi.unstubAllGlobals());

const render = (path = '/help/acme-help') =>
  renderAt(path, [
    {
      path: '/help/:slug',
      element: <HelpCentreLayout />,
      children: [
        { index: true, element: <HelpCentreHome /> },
        { path: 'faqs/:faqId', element: <HelpArticlePage /> },
      ],
    },
  ]);

const publicFaq = (over: Partial<Schemas['PublicFaq']> = {}): Schemas['PublicFaq'] => ({
  id: 'f1',
  question: 'How do I get a refund?',
  answer: 'Write to **billing@example.com** within 30 days.',
  category_id: 'c2',
  tags: [],
  language: 'en',
  helpful: 3,
  not_helpful: 1,
  updated_at: '2026-01-02T00:00:00Z',
  ...over,
});

const CENTRE = {
  slug: 'acme-help',
  title: 'Acme help',
  categories: [
    { id: 'c1', parent_id: null, name: 'Billing' },
    { id: 'c2', parent_id: 'c1', name: 'Refunds' },
    { id: 'c3', parent_id: null, name: 'Accounts' },
  ],
};

const signedOut = { 'GET /api/auth/me': () => apiError(401, 'unauthenticated', 'authentication required') };
const urls = (calls: Call[], path: string) => calls.filter((c) => c.url.split('?')[0] === path).map((c) => c.url);

describe('the public help centre', () => {
  it('needs no account: browse by category, search, read an answer and say it helped', async () => {
    const { calls } = mockFetch({
      ...signedOut,
      'GET /public/acme-help': () => json(200, CENTRE),
      'GET /public/acme-help/faqs': (call) =>
        call.url.includes('cursor=f1')
          ? json(200, { faqs: [publicFaq({ id: 'f9', question: 'Can I pay by invoice?', category_id: null })], next_cursor: null })
          : call.url.includes('category_id=c3')
            ? json(200, { faqs: [], next_cursor: null })
            : json(200, { faqs: [publicFaq()], next_cursor: 'f1' }),
      'GET /public/acme-help/faqs/search': () => json(200, { hits: [{ faq: publicFaq(), score: 0.03 }], query_id: 'q1', answered: true }),
      'GET /public/acme-help/faqs/f1': () => json(200, publicFaq()),
      'POST /public/acme-help/faqs/f1/feedback': () => new Response(null, { status: 204 }),
    });
    const { router } = render();
    expect(await screen.findByRole('heading', { level: 1, name: 'Acme help' })).toBeInTheDocument();
    const nav = screen.getByRole('navigation', { name: 'Categories' });
    expect(within(nav).getAllByRole('link').map((l) => l.textContent)).toEqual(['All questions', 'Billing', 'Refunds', 'Accounts']);
    expect(within(nav).getByRole('link', { name: 'All questions' })).toHaveAttribute('aria-current', 'page');

    const list = await screen.findByRole('list', { name: 'Questions' });
    // The list may render before its items: wait for them.
    expect(await within(list).findByRole('link', { name: 'How do I get a refund?' })).toHaveAttribute('href', '/help/acme-help/faqs/f1');
    expect(within(list).getByText('Billing › Refunds')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'More questions' }));
    expect(await within(list).findByRole('link', { name: 'Can I pay by invoice?' })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'More questions' })).not.toBeInTheDocument();
    expect(urls(calls, '/public/acme-help/faqs')).toEqual(['/public/acme-help/faqs?limit=50', '/public/acme-help/faqs?cursor=f1&limit=50']);

    await userEvent.click(within(nav).getByRole('link', { name: 'Accounts' }));
    expect(await screen.findByText('No questions in this category yet')).toBeInTheDocument();
    expect(screen.getByRole('heading', { name: 'Accounts' })).toBeInTheDocument();
    expect(urls(calls, '/public/acme-help/faqs').at(-1)).toBe('/public/acme-help/faqs?category_id=c3&limit=50');

    await userEvent.click(within(nav).getByRole('link', { name: 'All questions' }));
    await userEvent.type(screen.getByLabelText('Search the help centre'), 'refund{Enter}');
    expect(router.state.location.search).toBe('?q=refund');
    const results = await screen.findByRole('list', { name: 'Search results' });
    expect(screen.getByTestId('help-search-summary')).toHaveTextContent('1 answer for “refund”, best first');
    expect(urls(calls, '/public/acme-help/faqs/search')).toEqual(['/public/acme-help/faqs/search?q=refund']);
    await userEvent.click(await within(results).findByRole('link', { name: 'How do I get a refund?' }));

    expect(await screen.findByRole('heading', { level: 1, name: 'How do I get a refund?' })).toBeInTheDocument();
    expect(router.state.location.search).toBe('?query=q1');
    expect(screen.getByTestId('faq-markdown').querySelector('strong')).toHaveTextContent('billing@example.com');
    expect(screen.getByText('Billing › Refunds')).toBeInTheDocument();
    await userEvent.click(within(screen.getByRole('group', { name: 'Was this helpful?' })).getByRole('button', { name: 'Yes' }));
    expect(await screen.findByRole('status')).toHaveTextContent('Thanks! Glad it helped.');
    expect(calls.find((c) => c.method === 'POST')).toEqual({
      method: 'POST',
      url: '/public/acme-help/faqs/f1/feedback',
      body: { helpful: true, query_id: 'q1' },
    });
    expect(screen.getByRole('link', { name: '← All questions' })).toHaveAttribute('href', '/help/acme-help');
  });

  it('says so when there is no help centre at the address', async () => {
    mockFetch({ ...signedOut, 'GET /public/nope': () => apiError(404, 'not_found', 'help centre not found') });
    render('/help/nope');
    expect(await screen.findByRole('alert')).toHaveTextContent('There is no help centre here');
  });

  it('asks a visitor who made too many requests to wait the seconds the server says', async () => {
    let limited = true;
    mockFetch({
      ...signedOut,
      'GET /public/acme-help': () =>
        limited
          ? new Response(JSON.stringify({ error: { code: 'rate_limited', message: 'too many attempts; retry in 12 seconds' } }), {
              status: 429,
              headers: { 'Content-Type': 'application/json', 'Retry-After': '12' },
            })
          : json(200, { ...CENTRE, categories: [] }),
      'GET /public/acme-help/faqs': () => json(200, { faqs: [], next_cursor: null }),
    });
    render();
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Too many requests');
    expect(within(alert).getByTestId('retry-after')).toHaveTextContent('Please wait 12 seconds, then try again.');
    limited = false;
    await userEvent.click(within(alert).getByRole('button', { name: 'Try again' }));
    expect(await screen.findByText('No questions here yet')).toBeInTheDocument();
    expect(screen.queryByRole('navigation', { name: 'Categories' })).not.toBeInTheDocument();
  });

  it('says when a search finds nothing, and when an answer is gone', async () => {
    mockFetch({
      ...signedOut,
      'GET /public/acme-help': () => json(200, CENTRE),
      'GET /public/acme-help/faqs/search': () => json(200, { hits: [], query_id: 'q2', answered: false }),
      'GET /public/acme-help/faqs/gone': () => apiError(404, 'not_found', 'FAQ not found'),
    });
    const { router } = render('/help/acme-help?q=zzz');
    expect(await screen.findByText('No answer found for “zzz”')).toBeInTheDocument();
    expect(screen.getByLabelText('Search the help centre')).toHaveValue('zzz');
    await router.navigate('/help/acme-help/faqs/gone');
    expect(await screen.findByRole('alert')).toHaveTextContent('This question is not answered here any more');
  });
});
