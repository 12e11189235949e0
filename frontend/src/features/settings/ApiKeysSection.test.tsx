import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ApiKey } from '../../api/client';
import { json, mockFetch } from '../../test/fetchMock';
import { ME, renderAt } from '../../test/render';
import { RequireSession } from '../auth';
import { ApiKeysSection } from './ApiKeysSection';

afterEach(() => vi.unstubAllGlobals());

const key = (over: Partial<ApiKey> = {}): ApiKey => ({
  id: 'k1',
  tenant_id: 't1',
  user_id: 'u1',
  name: 'CI',
  prefix: 'mai_abcdefgh',
  role: 'member',
  created_at: '2026-01-01T00:00:00Z',
  last_used_at: null,
  revoked_at: null,
  ...over,
});

describe('ApiKeysSection', () => {
  it('shows a new secret once, then only the prefix; revokes after confirming', async () => {
    let keys: ApiKey[] = [];
    const { calls } = mockFetch({
      'GET /api/auth/me': () => json(200, ME),
      'GET /api/api-keys': () => json(200, keys),
      'POST /api/api-keys': () => {
        keys = [key()];
        return json(201, { ...key(), secret: 'mai_abcdefgh_secret' });
      },
      'DELETE /api/api-keys/k1': () => {
        keys = [key({ revoked_at: new Date().toISOString() })];
        return new Response(null, { status: 204 });
      },
    });
    renderAt('/', [{ path: '/', element: <RequireSession><ApiKeysSection /></RequireSession> }]);
    expect(await screen.findByText('No API keys yet')).toBeInTheDocument();

    await userEvent.type(screen.getByLabelText('Name'), 'CI');
    await userEvent.selectOptions(screen.getByLabelText('Role'), 'member');
    await userEvent.click(screen.getByRole('button', { name: 'Create key' }));
    expect(await screen.findByTestId('api-key-secret')).toHaveTextContent('mai_abcdefgh_secret');
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ name: 'CI', role: 'member' });

    await userEvent.click(screen.getByRole('button', { name: 'I have saved it' }));
    expect(screen.queryByTestId('api-key-secret')).not.toBeInTheDocument();
    const list = await screen.findByRole('list', { name: 'API keys' });
    expect(within(list).getByText('mai_abcdefgh…')).toBeInTheDocument();

    await userEvent.click(within(list).getByRole('button', { name: 'Revoke' }));
    await userEvent.click(within(list).getByRole('button', { name: 'Revoke CI' }));
    expect(await within(list).findByText(/revoked/)).toBeInTheDocument();
    expect(calls.some((c) => c.method === 'DELETE' && c.url === '/api/api-keys/k1')).toBe(true);
  });
});
