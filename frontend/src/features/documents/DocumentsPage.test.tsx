import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { apiError, json, mockFetch } from '../../test/fetchMock';
import { documentRow, repository } from '../../test/fixtures';
import { ME, renderAt } from '../../test/render';
import { RequireSession } from '../auth';
import { DocumentsPage } from './DocumentsPage';

afterEach(() => vi.unstubAllGlobals());

const render = (path = '/documents') =>
  renderAt(path, [
    { path: '/documents', element: <RequireSession><DocumentsPage /></RequireSession> },
    { path: '/documents/:id', element: <p>document page</p> },
  ]);

describe('DocumentsPage', () => {
  it('says how to ask a question when there are no documents', async () => {
    mockFetch({
      'GET /api/auth/me': () => json(200, ME),
      'GET /api/documents': () => json(200, { documents: [], next_cursor: null }),
      'GET /api/repositories': () => json(200, { repositories: [repository()] }),
    });
    render();
    expect(await screen.findByText('No documents yet')).toBeInTheDocument();
    expect(await screen.findByText(/Ask a question above, e\.g\. “What is the system architecture\?”/)).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Ask' })).toBeInTheDocument();
  });

  it('sends a team without a ready repository to add one', async () => {
    mockFetch({
      'GET /api/auth/me': () => json(200, ME),
      'GET /api/documents': () => json(200, { documents: [] }),
      'GET /api/repositories': () => json(200, { repositories: [] }),
    });
    render();
    expect(await screen.findByText('No documents yet')).toBeInTheDocument();
    const empty = screen.getByText(/wait for it to be indexed/);
    expect(within(empty).getByRole('link', { name: 'Add a repository' })).toHaveAttribute('href', '/repositories');
  });

  it('shows errors in words, and tries again', async () => {
    let fail = true;
    mockFetch({
      'GET /api/auth/me': () => json(200, ME),
      'GET /api/documents': () => (fail ? apiError(500, 'internal', 'database is down') : json(200, { documents: [documentRow()] })),
      'GET /api/repositories': () => json(200, { repositories: [] }),
    });
    render();
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('The server had a problem');
    expect(alert).toHaveTextContent('database is down');
    fail = false;
    await userEvent.click(within(alert).getByRole('button', { name: 'Try again' }));
    expect(await screen.findByText('backend System Architecture')).toBeInTheDocument();
  });

  it('lists documents with their verification, filters by repository and pages', async () => {
    const { calls } = mockFetch({
      'GET /api/auth/me': () => json(200, ME),
      'GET /api/documents': (call) =>
        call.url.includes('cursor=d1')
          ? json(200, { documents: [documentRow({ id: 'd2', title: 'Older one' })], next_cursor: null })
          : json(200, { documents: [documentRow({ latest_version: 3 })], next_cursor: 'd1' }),
      'GET /api/repositories': () => json(200, { repositories: [repository(), repository({ id: 'r2', name: 'frontend' })] }),
    });
    const { router } = render();
    const row = await screen.findByRole('link', { name: /backend System Architecture/ });
    expect(row).toHaveAttribute('href', '/documents/d1');
    expect(row).toHaveTextContent('What is the system architecture?');
    expect(row).toHaveTextContent('v3');
    expect(row).toHaveTextContent('c0ffee0000');
    expect(within(row).getByTestId('document-verification')).toHaveTextContent('9 kept · 3 removed');

    await userEvent.click(screen.getByRole('button', { name: 'Older →' }));
    expect(await screen.findByText('Older one')).toBeInTheDocument();
    expect(calls.at(-1)?.url).toContain('cursor=d1');

    await userEvent.selectOptions(screen.getByLabelText('Filter by repository'), 'r2');
    expect(router.state.location.search).toBe('?repository=r2');
    await screen.findByText('backend System Architecture');
    expect(calls.filter((c) => c.url.startsWith('/api/documents')).at(-1)?.url).toBe('/api/documents?repository_id=r2&limit=20');
  });
});
