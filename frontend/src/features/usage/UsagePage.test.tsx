import { screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Usage, UsageTotals } from '../../api/client';
import { apiError, json, mockFetch } from '../../test/fetchMock';
import { ME, renderAt } from '../../test/render';
import { RequireSession } from '../auth';
import { UsagePage } from './UsagePage';

afterEach(() => vi.unstubAllGlobals());

const t = (over: Partial<UsageTotals> = {}): UsageTotals => ({
  calls: 0, errors: 0, refused: 0, cached: 0, tokens: 0, prompt_tokens: 0, completion_tokens: 0, cost_usd: 0, ...over,
});
const TASK = '0190f0e0-0000-7000-8000-000000000001';
const usage = (over: Partial<Usage> = {}): Usage => ({
  from: '2026-01-01T00:00:00Z',
  to: '2026-01-31T00:00:00Z',
  total: t(),
  by_day: [],
  by_model: [],
  by_task: [],
  ...over,
});

const render = () => renderAt('/usage', [{ path: '/usage', element: <RequireSession><UsagePage /></RequireSession> }]);

describe('UsagePage', () => {
  it('shows totals, days, models and tasks that link to their pages', async () => {
    const row = t({ calls: 3, errors: 1, tokens: 12_345, prompt_tokens: 10_000, completion_tokens: 2_345, cost_usd: 0.42 });
    const { calls } = mockFetch({
      'GET /api/auth/me': () => json(200, ME),
      'GET /api/usage': () =>
        json(200, usage({
          total: row,
          by_day: [{ ...row, date: '2026-01-05' }],
          by_model: [{ ...row, provider: 'openai', model: 'gpt-4o' }],
          by_task: [{ ...row, task_id: TASK }],
        })),
    });
    render();
    expect(await screen.findByTestId('usage-total-cost')).toHaveTextContent('$0.42');
    expect(screen.getByTestId('usage-total-tokens')).toHaveTextContent('12.3k');
    expect(within(screen.getByRole('table', { name: 'Usage by day' })).getByText('2026-01-05')).toBeInTheDocument();
    expect(within(screen.getByRole('table', { name: 'Usage by model' })).getByText('gpt-4o')).toBeInTheDocument();
    const link = within(screen.getByRole('table', { name: 'Usage by task' })).getByRole('link', { name: '0190f0e0' });
    expect(link).toHaveAttribute('href', `/tasks/${TASK}`);
    expect(screen.getAllByText('3 calls · 1 failed')).toHaveLength(3);
    const url = calls.find((c) => c.url.startsWith('/api/usage'))?.url ?? '';
    expect(url).toMatch(/^\/api\/usage\?from=\d{4}-\d\d-\d\d&to=\d{4}-\d\d-\d\d$/);
  });

  it('says when there were no calls, and shows errors in words', async () => {
    mockFetch({ 'GET /api/auth/me': () => json(200, ME), 'GET /api/usage': () => json(200, usage()) });
    render();
    expect(await screen.findByText('No model calls in this period')).toBeInTheDocument();
    vi.unstubAllGlobals();

    mockFetch({ 'GET /api/auth/me': () => json(200, ME), 'GET /api/usage': () => apiError(500, 'internal', 'database is down') });
    render();
    expect(await screen.findByRole('alert')).toHaveTextContent('database is down');
  });
});
