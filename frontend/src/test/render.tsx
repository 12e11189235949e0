import { render } from '@testing-library/react';
import { createMemoryRouter, RouterProvider, type RouteObject } from 'react-router';
import type { Me } from '../api/client';
import { SessionProvider } from '../features/auth';

export const ME: Me = {
  auth: 'session',
  role: 'owner',
  user: { id: 'u1', email: 'ada@example.com', created_at: '2026-01-01T00:00:00Z' },
  tenant: { id: 't1', name: 'Acme', created_at: '2026-01-01T00:00:00Z' },
  tenants: [],
};

/** Renders `element` at `path` inside the session provider, as the app does. */
export function renderAt(path: string, routes: RouteObject[]) {
  const router = createMemoryRouter(routes, { initialEntries: [path] });
  const view = render(
    <SessionProvider>
      <RouterProvider router={router} />
    </SessionProvider>,
  );
  return { ...view, router };
}
