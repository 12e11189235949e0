import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { apiError, json, mockFetch } from '../../test/fetchMock';
import { renderAt } from '../../test/render';
import { AddRepositoryForm } from './AddRepositoryForm';

afterEach(() => vi.unstubAllGlobals());

const render = () =>
  renderAt('/repositories', [
    { path: '/repositories', element: <AddRepositoryForm /> },
    { path: '/repositories/:id', element: <p>repository page</p> },
  ]);

describe('AddRepositoryForm', () => {
  it('checks fields, shows the 422 under its field, then opens the new repository', async () => {
    let answer = () => apiError(422, 'validation', 'source: unsupported URL scheme `ftp` (use https, http, ssh or file)');
    const { calls } = mockFetch({
      'GET /api/auth/me': () => apiError(401, 'unauthenticated', 'no'),
      'POST /api/repositories': () => answer(),
    });
    const { router } = render();
    await userEvent.click(await screen.findByRole('button', { name: 'Add repository' }));
    expect(screen.getByText('Give the repository a name.')).toBeInTheDocument();
    expect(calls.some((c) => c.method === 'POST')).toBe(false);

    await userEvent.type(screen.getByLabelText('Name'), 'docs');
    await userEvent.type(screen.getByLabelText('Source'), 'ftp://example.com/docs.git');
    await userEvent.click(screen.getByRole('button', { name: 'Add repository' }));
    expect(await screen.findByText('Unsupported URL scheme `ftp` (use https, http, ssh or file)')).toBeInTheDocument();
    expect(screen.getByLabelText('Source')).toHaveAttribute('aria-invalid', 'true');
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();

    answer = () => json(202, { repository: { id: 'r1' }, task_id: 't1' });
    await userEvent.clear(screen.getByLabelText('Source'));
    await userEvent.type(screen.getByLabelText('Source'), 'https://example.com/docs.git');
    await userEvent.click(screen.getByRole('button', { name: 'Add repository' }));
    expect(await screen.findByText('repository page')).toBeInTheDocument();
    expect(router.state.location.pathname).toBe('/repositories/r1');
    expect(calls.filter((c) => c.method === 'POST').at(-1)?.body).toEqual({ name: 'docs', source: 'https://example.com/docs.git' });
  });

  it('shows other errors in words', async () => {
    mockFetch({
      'GET /api/auth/me': () => apiError(401, 'unauthenticated', 'no'),
      'POST /api/repositories': () => apiError(403, 'forbidden', 'viewers cannot add repositories'),
    });
    render();
    await userEvent.type(await screen.findByLabelText('Name'), 'docs');
    await userEvent.type(screen.getByLabelText('Source'), '/srv/docs');
    await userEvent.click(screen.getByRole('button', { name: 'Add repository' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Not allowedviewers cannot add repositories');
  });
});
