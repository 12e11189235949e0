import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Budgets } from '../../api/client';
import { apiError, json, mockFetch } from '../../test/fetchMock';
import { ME, renderAt } from '../../test/render';
import { RequireSession } from '../auth';
import { BudgetsSection } from './BudgetsSection';

afterEach(() => vi.unstubAllGlobals());

const budgets = (over: Partial<Budgets> = {}): Budgets => ({
  defaults: { daily_usd: 10, task_tokens: 100_000 },
  overrides: { daily_usd: 5 },
  overridden: ['daily_usd'],
  effective: { daily_usd: 5, task_tokens: 100_000 },
  spent: {
    hour: { cost_usd: 0.5, tokens: 1200, since: '2026-01-01T10:00:00Z' },
    day: { cost_usd: 1.25, tokens: 34_000, since: '2026-01-01T00:00:00Z' },
  },
  ...over,
});

const render = () => renderAt('/', [{ path: '/', element: <RequireSession><BudgetsSection /></RequireSession> }]);

describe('BudgetsSection', () => {
  it('shows caps, defaults and overrides; an owner changes and clears overrides', async () => {
    const { calls } = mockFetch({
      'GET /api/auth/me': () => json(200, ME),
      'GET /api/usage/budgets': () => json(200, budgets()),
      'PUT /api/usage/budgets': () =>
        json(200, budgets({ overrides: { task_tokens: 200_000 }, overridden: ['task_tokens'], effective: { daily_usd: 10, task_tokens: 200_000 } })),
    });
    render();
    const table = await screen.findByRole('table', { name: 'Budget caps' });
    expect(within(table).getByTestId('effective-daily_usd')).toHaveTextContent('$5.00(overridden)');
    expect(within(table).getByTestId('effective-hourly_usd')).toHaveTextContent('no cap');
    expect(screen.getByTestId('budget-spent')).toHaveTextContent('today: $1.25 (34k tokens)');

    const daily = screen.getByLabelText('Override USD per day');
    expect(daily).toHaveValue('5');
    await userEvent.clear(daily);
    await userEvent.type(screen.getByLabelText('Override Tokens per task'), '200000');
    await userEvent.click(screen.getByRole('button', { name: 'Save budgets' }));
    expect(await screen.findByText('Saved.')).toBeInTheDocument();
    expect(calls.find((c) => c.method === 'PUT')?.body).toEqual({ daily_usd: null, task_tokens: 200000 });
    expect(screen.getByTestId('effective-task_tokens')).toHaveTextContent('200k tokens(overridden)');
    expect(screen.getByLabelText('Override USD per day')).toHaveValue('');
  });

  it('says what is wrong before sending, and shows the API error in words', async () => {
    const { calls } = mockFetch({
      'GET /api/auth/me': () => json(200, ME),
      'GET /api/usage/budgets': () => json(200, budgets()),
      'PUT /api/usage/budgets': () => apiError(422, 'validation', 'daily_usd: must be a finite number'),
    });
    render();
    const hourly = await screen.findByLabelText('Override Tokens per hour');
    await userEvent.type(hourly, '1.5');
    await userEvent.click(screen.getByRole('button', { name: 'Save budgets' }));
    expect(await screen.findByText('Tokens are a whole number.')).toBeInTheDocument();
    expect(hourly).toHaveAttribute('aria-invalid', 'true');
    expect(calls.some((c) => c.method === 'PUT')).toBe(false);

    await userEvent.clear(hourly);
    await userEvent.type(hourly, '1000');
    await userEvent.click(screen.getByRole('button', { name: 'Save budgets' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('daily_usd: must be a finite number');
  });

  it('is read-only below admin', async () => {
    mockFetch({
      'GET /api/auth/me': () => json(200, { ...ME, role: 'member' }),
      'GET /api/usage/budgets': () => json(200, budgets()),
    });
    render();
    await screen.findByRole('table', { name: 'Budget caps' });
    expect(screen.queryByRole('button', { name: 'Save budgets' })).not.toBeInTheDocument();
    expect(screen.queryByLabelText('Override USD per day')).not.toBeInTheDocument();
    expect(screen.getByText(/Only owners and admins change them/)).toBeInTheDocument();
  });
});
