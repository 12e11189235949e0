import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { apiError, json, mockFetch } from '../../test/fetchMock';
import { faq, faqCategory } from '../../test/fixtures';
import { ME, renderAt } from '../../test/render';
import { RequireSession } from '../auth';
import { FaqsPage } from './FaqsPage';

afterEach(() => vi.unstubAllGlobals());

const CATEGORIES = [faqCategory(), faqCategory({ id: 'c2', name: 'Refunds', parent_id: 'c1' }), faqCategory({ id: 'c3', name: 'Accounts', position: 1 })];

const render = (path = '/faqs') =>
  renderAt(path, [
    { path: '/faqs', element: <RequireSession><FaqsPage /></RequireSession> },
    { path: '/faqs/:id', element: <p>faq page</p> },
  ]);

const listCalls = (calls: { url: string }[]) => calls.filter((c) => c.url.startsWith('/api/faqs?') || c.url === '/api/faqs');
const searchCalls = (calls: { url: string }[]) => calls.filter((c) => c.url.startsWith('/api/faqs/search'));

describe('FaqsPage', () => {
  it('lists FAQs with their status, category and tags; filters by status, category, tag and language; pages', async () => {
    const { calls } = mockFetch({
      'GET /api/auth/me': () => json(200, ME),
      'GET /api/faq-categories': () => json(200, CATEGORIES),
      'GET /api/faqs': (call) =>
        call.url.includes('cursor=f1')
          ? json(200, { faqs: [faq({ id: 'f2', question: 'Older one', category_id: null, status: 'draft', tags: [] })], next_cursor: null })
          : call.url.includes('language=en')
            ? json(200, { faqs: [], next_cursor: null })
            : json(200, { faqs: [faq({ category_id: 'c2' })], next_cursor: 'f1' }),
    });
    const { router } = render();
    const link = await screen.findByRole('link', { name: 'How do I get a refund?' });
    expect(link).toHaveAttribute('href', '/faqs/f1');
    const row = link.closest('li')!;
    expect(row).toHaveTextContent('published');
    expect(row).toHaveTextContent('Billing › Refunds');
    expect(row).toHaveTextContent('#billing');
    expect(row).toHaveTextContent('v2');
    expect(screen.getByRole('link', { name: 'New FAQ' })).toHaveAttribute('href', '/faqs/new');
    expect(listCalls(calls).at(-1)?.url).toBe('/api/faqs?limit=25');

    await userEvent.click(screen.getByRole('button', { name: 'Older →' }));
    expect(await screen.findByText('Older one')).toBeInTheDocument();
    expect(screen.getByText('Older one').closest('li')).toHaveTextContent('No category');
    expect(listCalls(calls).at(-1)?.url).toBe('/api/faqs?cursor=f1&limit=25');

    // Pickers apply at once, back on the first page.
    await userEvent.selectOptions(screen.getByLabelText('Status'), 'draft');
    expect(router.state.location.search).toBe('?status=draft');
    await userEvent.selectOptions(screen.getByLabelText('Category'), 'c2');
    expect(router.state.location.search).toBe('?status=draft&category=c2');
    await screen.findByRole('link', { name: 'How do I get a refund?' });
    expect(listCalls(calls).at(-1)?.url).toBe('/api/faqs?status=draft&category_id=c2&limit=25');
    // The category picker shows the tree.
    const options = [...(screen.getByLabelText('Category') as HTMLSelectElement).options].map((o) => o.text.replace(/\u00a0/g, ' '));
    expect(options).toEqual(['Any category', 'Billing', '  └ Refunds', 'Accounts']);

    // Typed filters apply on Enter.
    await userEvent.type(screen.getByLabelText('Tag'), 'billing');
    await userEvent.type(screen.getByLabelText('Language'), 'en{Enter}');
    expect(router.state.location.search).toBe('?status=draft&category=c2&tag=billing&language=en');
    expect(await screen.findByText('No FAQs match these filters')).toBeInTheDocument();
    expect(listCalls(calls).at(-1)?.url).toBe('/api/faqs?status=draft&category_id=c2&tag=billing&language=en&limit=25');
    expect(searchCalls(calls)).toHaveLength(0);

    await userEvent.click(screen.getByRole('button', { name: 'Clear' }));
    expect(router.state.location.search).toBe('');
    expect(await screen.findByRole('link', { name: 'How do I get a refund?' })).toBeInTheDocument();
  });

  it('searches when there is a query: score and the signals that matched, the status default said', async () => {
    const { calls } = mockFetch({
      'GET /api/auth/me': () => json(200, ME),
      'GET /api/faq-categories': () => json(200, CATEGORIES),
      'GET /api/faqs': () => json(200, { faqs: [faq()], next_cursor: null }),
      'GET /api/faqs/search': (call) =>
        call.url.includes('q=zzz')
          ? json(200, { hits: [], query_id: 'q2', answered: false, semantic: false, took_ms: 1 })
          : json(200, {
              hits: [
                { faq: faq(), score: 0.0328, keyword: { rank: 1, score: 2.41 }, semantic: { rank: 2, score: 0.834 } },
                { faq: faq({ id: 'f3', question: 'Can I change my plan?', tags: [] }), score: 0.0161, keyword: null, semantic: { rank: 1, score: 0.79 } },
              ],
              query_id: 'q1',
              answered: true,
              semantic: true,
              took_ms: 3.2,
            }),
    });
    const { router } = render();
    await screen.findByRole('link', { name: 'How do I get a refund?' });
    await userEvent.type(screen.getByLabelText('Search FAQs'), 'money back');
    await userEvent.click(screen.getByRole('button', { name: 'Search' }));
    expect(router.state.location.search).toBe('?q=money+back');

    const results = await screen.findByRole('list', { name: 'Search results' });
    const [first, second] = [...results.querySelectorAll<HTMLElement>('li[data-faq-id]')];
    expect(within(first!).getByRole('link', { name: 'How do I get a refund?' })).toHaveAttribute('href', '/faqs/f1');
    const firstSignals = within(first!).getByTestId('match-signals');
    expect(firstSignals).toHaveTextContent('Score 0.033');
    expect(firstSignals).toHaveTextContent('keyword #1');
    expect(firstSignals).toHaveTextContent('semantic #2 · 0.83 similar');
    const secondSignals = within(second!).getByTestId('match-signals');
    expect(secondSignals).not.toHaveTextContent('keyword');
    expect(secondSignals).toHaveTextContent('semantic #1 · 0.79 similar');
    expect(screen.getByTestId('search-summary')).toHaveTextContent('2 matches among published FAQs, by keywords and meaning · 3 ms');
    expect(screen.getByText('Search looks at published FAQs unless you pick a status.')).toBeInTheDocument();
    expect(searchCalls(calls).at(-1)?.url).toBe('/api/faqs/search?q=money+back&limit=20&log=false');

    // Filters narrow the search.
    await userEvent.selectOptions(screen.getByLabelText('Status'), 'draft');
    await screen.findByRole('list', { name: 'Search results' });
    expect(searchCalls(calls).at(-1)?.url).toBe('/api/faqs/search?q=money+back&status=draft&limit=20&log=false');

    // Nothing found: said, with what to try.
    const box = screen.getByLabelText('Search FAQs');
    await userEvent.clear(box);
    await userEvent.type(box, 'zzz{Enter}');
    expect(await screen.findByText('Nothing matches “zzz”')).toBeInTheDocument();
  });

  it('offers a member no New FAQ button, and says who writes FAQs', async () => {
    mockFetch({
      'GET /api/auth/me': () => json(200, { ...ME, role: 'member' }),
      'GET /api/faq-categories': () => json(200, []),
      'GET /api/faqs': () => json(200, { faqs: [], next_cursor: null }),
    });
    render();
    expect(await screen.findByText('No FAQs yet')).toBeInTheDocument();
    expect(screen.getByText(/Owners and admins write the FAQs/)).toBeInTheDocument();
    expect(screen.queryByRole('link', { name: 'New FAQ' })).not.toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Analytics' })).toHaveAttribute('href', '/faqs/analytics');
  });

  it('invites an owner to write the first FAQ, and shows errors in words', async () => {
    let fail = true;
    mockFetch({
      'GET /api/auth/me': () => json(200, ME),
      'GET /api/faq-categories': () => json(200, []),
      'GET /api/faqs': () => (fail ? apiError(500, 'internal', 'database is down') : json(200, { faqs: [], next_cursor: null })),
    });
    render();
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('The server had a problem');
    expect(alert).toHaveTextContent('database is down');
    fail = false;
    await userEvent.click(within(alert).getByRole('button', { name: 'Try again' }));
    expect(await screen.findByText('No FAQs yet')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Write the first FAQ' })).toHaveAttribute('href', '/faqs/new');
  });
});
