import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Schemas } from '../../api/client';
import { apiError, json, mockFetch } from '../../test/fetchMock';
import { ME, renderAt } from '../../test/render';
import { RequireSession } from '../auth';
import { FaqAnalyticsPage } from './FaqAnalyticsPage';

afterEach(() => vi.unstubAllGlobals());

const analytics = (over: Partial<Schemas['FaqAnalytics']> = {}): Schemas['FaqAnalytics'] => ({
  since: '2026-01-01T00:00:00Z',
  total_queries: 0,
  unanswered: 0,
  helpful: 0,
  not_helpful: 0,
  answer_hits: 0,
  views: 0,
  top_queries: [],
  ...over,
});

const render = (path = '/faqs/analytics') =>
  renderAt(path, [{ path: '/faqs/analytics', element: <RequireSession><FaqAnalyticsPage /></RequireSession> }]);

describe('FaqAnalyticsPage', () => {
  it('shows the unanswered rate, helpfulness, answer hits and top queries for the chosen days', async () => {
    const { calls } = mockFetch({
      'GET /api/auth/me': () => json(200, ME),
      'GET /api/faqs/analytics': () =>
        json(
          200,
          analytics({
            total_queries: 40,
            unanswered: 10,
            helpful: 6,
            not_helpful: 2,
            answer_hits: 1234,
            views: 300,
            top_queries: [
              { query: 'refund', count: 12 },
              { query: 'change my plan', count: 5 },
            ],
          }),
        ),
    });
    const { router } = render();
    expect(await screen.findByTestId('faq-total-queries')).toHaveTextContent('40');
    expect(screen.getByTestId('faq-unanswered-rate')).toHaveTextContent('25%');
    expect(screen.getByText('10 of 40 found no confident answer')).toBeInTheDocument();
    expect(screen.getByTestId('faq-helpful-rate')).toHaveTextContent('75%');
    expect(screen.getByText('6 helpful · 2 not helpful')).toBeInTheDocument();
    expect(screen.getByTestId('faq-answer-hits')).toHaveTextContent('1,234');
    const table = screen.getByRole('table', { name: 'Top queries' });
    expect(within(table).getAllByRole('row').map((r) => r.textContent)).toEqual(['QuestionAsked', 'refund12', 'change my plan5']);
    expect(within(table).getByRole('link', { name: 'change my plan' })).toHaveAttribute('href', '/faqs?q=change%20my%20plan');
    expect(calls.at(-1)?.url).toBe('/api/faqs/analytics?days=30');

    await userEvent.selectOptions(screen.getByLabelText('Period'), '7');
    expect(router.state.location.search).toBe('?days=7');
    await screen.findByRole('table', { name: 'Top queries' });
    expect(calls.at(-1)?.url).toBe('/api/faqs/analytics?days=7');
  });

  it('says when nothing was asked, and shows errors in words', async () => {
    mockFetch({ 'GET /api/auth/me': () => json(200, ME), 'GET /api/faqs/analytics': () => json(200, analytics()) });
    render('/faqs/analytics?days=90');
    expect(await screen.findByText('No questions asked in the last 90 days')).toBeInTheDocument();
    expect(screen.getByTestId('faq-unanswered-rate')).toHaveTextContent('—');
    expect(screen.getByText('no feedback yet')).toBeInTheDocument();
    vi.unstubAllGlobals();

    mockFetch({ 'GET /api/auth/me': () => json(200, ME), 'GET /api/faqs/analytics': () => apiError(500, 'internal', 'database is down') });
    render();
    expect(await screen.findByRole('alert')).toHaveTextContent('database is down');
  });
});
