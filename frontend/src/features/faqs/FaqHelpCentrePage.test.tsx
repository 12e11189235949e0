import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { apiError, json, mockFetch } from '../../test/fetchMock';
import { ME, renderAt } from '../../test/render';
import { RequireSession } from '../auth';
import { FaqHelpCentrePage } from './FaqHelpCentrePage';

afterEach(() => vi.unstubAllGlobals());

const render = () => renderAt('/faqs/help-centre', [{ path: '/faqs/help-centre', element: <RequireSession><FaqHelpCentrePage /></RequireSession> }]);

const centre = (over: Record<string, unknown> = {}) => ({ tenant_id: 't1', slug: 'acme-help', title: 'Acme help', enabled: true, updated_at: '2026-01-01T00:00:00Z', ...over });

describe('FaqHelpCentrePage', () => {
  it('sets up the help centre: a slug taken or malformed is said at the field, then it is public with its link', async () => {
    let taken = true;
    const { calls } = mockFetch({
      'GET /api/auth/me': () => json(200, ME),
      'GET /api/help-centre': () => json(200, { settings: null, public_path: null }),
      'PUT /api/help-centre': (call) => {
        if (taken) return apiError(409, 'conflict', 'another help centre has this slug');
        const body = call.body as { slug: string; title: string; enabled: boolean };
        return json(200, { settings: centre(body), public_path: `/public/${body.slug}` });
      },
    });
    render();
    expect(await screen.findByText(/The help centre is not set up/)).toBeInTheDocument();
    // A first slug and title from the organisation's name.
    expect(screen.getByLabelText('Address (slug)')).toHaveValue('acme-help');
    expect(screen.getByLabelText('Title')).toHaveValue('Acme help centre');

    const slug = screen.getByLabelText('Address (slug)');
    await userEvent.clear(slug);
    await userEvent.type(slug, 'no');
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(screen.getByText(/^From 3 to 63 lower-case letters/)).toBeInTheDocument();
    expect(calls.some((c) => c.method === 'PUT')).toBe(false);

    await userEvent.clear(slug);
    await userEvent.type(slug, 'Acme-Support');
    expect(screen.getByText('/help/acme-support')).toBeInTheDocument();
    await userEvent.click(screen.getByLabelText('Public: anyone with the link reads the published FAQs'));
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByText('Another organisation already has this address. Pick another slug.')).toBeInTheDocument();
    expect(slug).toHaveAttribute('aria-invalid', 'true');

    taken = false;
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByRole('status')).toHaveTextContent('Saved.');
    expect(calls.filter((c) => c.method === 'PUT').at(-1)?.body).toEqual({ slug: 'acme-support', title: 'Acme help centre', enabled: true });
    expect(screen.getByTestId('help-centre-state')).toHaveTextContent('The help centre is public');
    expect(screen.getByRole('link', { name: /\/help\/acme-support$/ })).toHaveAttribute('href', '/help/acme-support');
  });

  it('shows a member whether it is public, without the form', async () => {
    mockFetch({
      'GET /api/auth/me': () => json(200, { ...ME, role: 'member' }),
      'GET /api/help-centre': () => json(200, { settings: centre({ enabled: false }), public_path: null }),
    });
    render();
    expect(await screen.findByTestId('help-centre-state')).toHaveTextContent('The help centre is off');
    expect(screen.getByText(/Titled “Acme help”. Owners and admins set up the help centre./)).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Save' })).not.toBeInTheDocument();
  });
});
