import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { apiError, json, mockFetch } from '../../test/fetchMock';
import { ME, renderAt } from '../../test/render';
import { LoginPage } from './LoginPage';

afterEach(() => vi.unstubAllGlobals());

describe('LoginPage', () => {
  it("shows the API's reason in words when log-in fails", async () => {
    mockFetch({
      'GET /api/auth/me': () => apiError(401, 'unauthenticated', 'authentication required'),
      'POST /api/auth/login': () => apiError(401, 'invalid_credentials', 'email or password is wrong'),
    });
    renderAt('/login', [{ path: '/login', element: <LoginPage /> }]);
    await userEvent.type(screen.getByLabelText('Email'), 'ada@example.com');
    await userEvent.type(screen.getByLabelText('Password'), 'wrong password');
    await userEvent.click(screen.getByRole('button', { name: 'Log in' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('email or password is wrong');
  });

  it('goes where it was sent from after logging in', async () => {
    let signedIn = false;
    const { calls } = mockFetch({
      'GET /api/auth/me': () => (signedIn ? json(200, ME) : apiError(401, 'unauthenticated', 'authentication required')),
      'POST /api/auth/login': () => {
        signedIn = true;
        return json(200, { token: 'x', expires_at: '', user: ME.user, tenant: ME.tenant, role: 'owner' });
      },
    });
    const { router } = renderAt('/login?next=%2Ftasks%3Fstatus%3Ddone', [
      { path: '/login', element: <LoginPage /> },
      { path: '/tasks', element: <p>tasks page</p> },
    ]);
    await userEvent.type(screen.getByLabelText('Email'), 'ada@example.com');
    await userEvent.type(screen.getByLabelText('Password'), 'correct horse');
    await userEvent.click(screen.getByRole('button', { name: 'Log in' }));
    await screen.findByText('tasks page');
    expect(router.state.location.search).toBe('?status=done');
    await waitFor(() => expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ email: 'ada@example.com', password: 'correct horse' }));
  });
});

describe('LoginPage on a new instance', () => {
  it('says the first sign-up creates the organisation, with a link to sign up', async () => {
    mockFetch({
      'GET /api/auth/me': () => apiError(401, 'unauthenticated', 'authentication required'),
      'GET /api/auth/setup': () => json(200, { first_run: true }),
    });
    renderAt('/login', [{ path: '/login', element: <LoginPage /> }]);
    const hint = await screen.findByRole('region', { name: 'This is a new MorningAI instance' });
    expect(hint).toHaveTextContent('The first sign-up creates your organisation and makes you its owner');
    expect(within(hint).getByRole('link', { name: 'Create the first account' })).toHaveAttribute('href', '/signup');
  });

  it('shows no hint once someone has signed up', async () => {
    const { calls } = mockFetch({
      'GET /api/auth/me': () => apiError(401, 'unauthenticated', 'authentication required'),
      'GET /api/auth/setup': () => json(200, { first_run: false }),
    });
    renderAt('/login', [{ path: '/login', element: <LoginPage /> }]);
    await screen.findByRole('button', { name: 'Log in' });
    await waitFor(() => expect(calls.some((c) => c.url === '/api/auth/setup')).toBe(true));
    expect(screen.queryByText('This is a new MorningAI instance')).not.toBeInTheDocument();
  });
});
