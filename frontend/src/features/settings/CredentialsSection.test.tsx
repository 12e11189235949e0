import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Credential } from '../../api/client';
import { apiError, json, mockFetch } from '../../test/fetchMock';
import { ME, renderAt } from '../../test/render';
import { RequireSession } from '../auth';
import { CredentialsSection } from './CredentialsSection';
import { SettingsPage } from './SettingsPage';

afterEach(() => vi.unstubAllGlobals());

const credential = (over: Partial<Credential> = {}): Credential => ({
  id: 'c1',
  tenant_id: 't1',
  kind: 'git_token',
  host: 'github.com',
  username: null,
  label: 'CI bot',
  created_by: 'u1',
  created_at: '2026-01-01T00:00:00Z',
  last_used_at: null,
  ...over,
});

const render = () => renderAt('/', [{ path: '/', element: <RequireSession><CredentialsSection /></RequireSession> }]);

describe('CredentialsSection', () => {
  it('lists credentials: kind, host, label, user name for tokens, last use', async () => {
    mockFetch({
      'GET /api/auth/me': () => json(200, ME),
      'GET /api/credentials': () =>
        json(200, [
          credential(),
          credential({ id: 'c2', kind: 'ssh_key', host: 'git.example.com:2222', label: 'deploy', last_used_at: new Date().toISOString() }),
          credential({ id: 'c3', host: 'gitlab.com', username: 'oauth2', label: '' }),
        ]),
    });
    render();
    const list = await screen.findByRole('list', { name: 'Credentials' });
    const [token, key, gitlab] = within(list).getAllByRole('listitem');
    expect(token).toHaveTextContent('Git token');
    expect(token).toHaveTextContent('github.com');
    expect(token).toHaveTextContent('CI bot');
    expect(token).toHaveTextContent('user x-access-token');
    expect(token).toHaveTextContent('last used never');
    expect(key).toHaveTextContent('SSH key');
    expect(key).toHaveTextContent('git.example.com:2222');
    expect(key).not.toHaveTextContent('user ');
    expect(key).not.toHaveTextContent('never');
    expect(gitlab).toHaveTextContent('user oauth2');
  });

  it('adds a git token: posts the right body, lists it, never shows the secret', async () => {
    let list: Credential[] = [];
    const { calls } = mockFetch({
      'GET /api/auth/me': () => json(200, ME),
      'GET /api/credentials': () => json(200, list),
      'POST /api/credentials': () => {
        list = [credential({ username: 'bot' })];
        return json(201, list[0]);
      },
    });
    render();
    expect(await screen.findByText('No credentials yet')).toBeInTheDocument();
    expect(screen.getByText(/encrypted and never shown again/)).toBeInTheDocument();

    const secret = screen.getByLabelText('Token');
    expect(secret).toHaveAttribute('type', 'password');
    expect(screen.getByLabelText('Username')).toHaveAttribute('placeholder', 'x-access-token');
    await userEvent.type(screen.getByLabelText('Host'), ' github.com ');
    await userEvent.type(screen.getByLabelText('Label'), 'CI bot');
    await userEvent.type(screen.getByLabelText('Username'), 'bot');
    await userEvent.type(secret, 'ghp_supersecret');
    await userEvent.click(screen.getByRole('button', { name: 'Add credential' }));

    const rows = await screen.findByRole('list', { name: 'Credentials' });
    expect(rows).toHaveTextContent('github.com');
    expect(rows).toHaveTextContent('user bot');
    expect(screen.getByRole('status')).toHaveTextContent('Git token for github.com saved.');
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({
      kind: 'git_token',
      host: 'github.com',
      label: 'CI bot',
      username: 'bot',
      secret: 'ghp_supersecret',
    });
    expect(screen.getByLabelText('Token')).toHaveValue('');
    expect(document.body).not.toHaveTextContent('ghp_supersecret');
  });

  it('an SSH key: a monospace text area, no user name sent', async () => {
    const { calls } = mockFetch({
      'GET /api/auth/me': () => json(200, ME),
      'GET /api/credentials': () => json(200, []),
      'POST /api/credentials': () => json(201, credential({ kind: 'ssh_key', label: '' })),
    });
    render();
    await screen.findByText('No credentials yet');
    await userEvent.type(screen.getByLabelText('Username'), 'bot');
    await userEvent.selectOptions(screen.getByLabelText('Kind'), 'ssh_key');
    expect(screen.queryByLabelText('Username')).not.toBeInTheDocument();
    const key = screen.getByLabelText('Private key');
    expect(key.tagName).toBe('TEXTAREA');
    expect(key).toHaveClass('font-mono');
    await userEvent.type(screen.getByLabelText('Host'), 'github.com');
    await userEvent.type(key, '-----BEGIN OPENSSH PRIVATE KEY-----{Enter}abc{Enter}-----END OPENSSH PRIVATE KEY-----');
    await userEvent.click(screen.getByRole('button', { name: 'Add credential' }));
    await screen.findByRole('status');
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({
      kind: 'ssh_key',
      host: 'github.com',
      secret: '-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----',
    });
  });

  it('shows a 422 next to the field it names', async () => {
    const { calls } = mockFetch({
      'GET /api/auth/me': () => json(200, ME),
      'GET /api/credentials': () => json(200, []),
      'POST /api/credentials': () =>
        apiError(422, 'validation', 'host: the host must be a host name or address with an optional port, like github.com'),
    });
    render();
    await screen.findByText('No credentials yet');
    // Checked before sending: nothing to send yet.
    await userEvent.click(screen.getByRole('button', { name: 'Add credential' }));
    expect(screen.getByLabelText('Host')).toHaveAccessibleDescription('Give the host it is for, e.g. github.com.');
    expect(screen.getByLabelText('Token')).toHaveAccessibleDescription('Paste the token.');
    expect(calls.some((c) => c.method === 'POST')).toBe(false);

    await userEvent.type(screen.getByLabelText('Host'), 'https://github.com/org');
    await userEvent.type(screen.getByLabelText('Token'), 'ghp_x');
    await userEvent.click(screen.getByRole('button', { name: 'Add credential' }));
    const host = screen.getByLabelText('Host');
    expect(await screen.findByText(/^The host must be a host name/)).toBeInTheDocument();
    expect(host).toHaveAttribute('aria-invalid', 'true');
    expect(host).toHaveAccessibleDescription(/^The host must be a host name/);
    expect(screen.getByLabelText('Token')).not.toHaveAttribute('aria-invalid');
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });

  it('deletes only after confirming', async () => {
    let list = [credential()];
    const { calls } = mockFetch({
      'GET /api/auth/me': () => json(200, ME),
      'GET /api/credentials': () => json(200, list),
      'DELETE /api/credentials/c1': () => {
        list = [];
        return new Response(null, { status: 204 });
      },
    });
    render();
    const rows = await screen.findByRole('list', { name: 'Credentials' });
    await userEvent.click(within(rows).getByRole('button', { name: 'Delete' }));
    expect(calls.some((c) => c.method === 'DELETE')).toBe(false);
    await userEvent.click(within(rows).getByRole('button', { name: 'Delete git token for github.com' }));
    expect(await screen.findByText('No credentials yet')).toBeInTheDocument();
    expect(calls.some((c) => c.method === 'DELETE' && c.url === '/api/credentials/c1')).toBe(true);
  });

  it('members see a note and no tab, and nothing is fetched', async () => {
    const { calls } = mockFetch({ 'GET /api/auth/me': () => json(200, { ...ME, role: 'member' }) });
    renderAt('/settings/credentials', [
      { path: '/settings/:tab?', element: <RequireSession><SettingsPage /></RequireSession> },
    ]);
    expect(await screen.findByText(/Owners and admins manage the organisation’s git tokens/)).toBeInTheDocument();
    const tabs = screen.getByRole('navigation', { name: 'Settings sections' });
    expect(within(tabs).queryByRole('link', { name: 'Credentials' })).not.toBeInTheDocument();
    expect(within(tabs).getByRole('link', { name: 'API keys' })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Add credential' })).not.toBeInTheDocument();
    expect(calls.some((c) => c.url.startsWith('/api/credentials'))).toBe(false);
  });

  it('owners see the tab', async () => {
    mockFetch({ 'GET /api/auth/me': () => json(200, ME), 'GET /api/credentials': () => json(200, []) });
    renderAt('/settings/credentials', [
      { path: '/settings/:tab?', element: <RequireSession><SettingsPage /></RequireSession> },
    ]);
    const tabs = await screen.findByRole('navigation', { name: 'Settings sections' });
    expect(within(tabs).getByRole('link', { name: 'Credentials' })).toHaveAttribute('aria-current', 'page');
    expect(await screen.findByText('No credentials yet')).toBeInTheDocument();
  });
});
