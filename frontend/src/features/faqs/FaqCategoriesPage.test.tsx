import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Schemas } from '../../api/client';
import { apiError, json, mockFetch } from '../../test/fetchMock';
import { faqCategory } from '../../test/fixtures';
import { ME, renderAt } from '../../test/render';
import { RequireSession } from '../auth';
import { FaqCategoriesPage } from './FaqCategoriesPage';

afterEach(() => vi.unstubAllGlobals());

const render = () => renderAt('/faqs/categories', [{ path: '/faqs/categories', element: <RequireSession><FaqCategoriesPage /></RequireSession> }]);

const names = () => within(screen.getByRole('list', { name: 'Categories' })).getAllByRole('link').map((a) => a.textContent);

describe('FaqCategoriesPage', () => {
  it('shows the tree; adds, renames, moves and deletes categories', async () => {
    let categories: Schemas['FaqCategory'][] = [faqCategory(), faqCategory({ id: 'c2', name: 'Refunds', parent_id: 'c1' })];
    const { calls } = mockFetch({
      'GET /api/auth/me': () => json(200, ME),
      'GET /api/faq-categories': () => json(200, categories),
      'POST /api/faq-categories': (call) => {
        const body = call.body as { name: string; parent_id: string | null };
        const created = faqCategory({ id: 'c3', name: body.name, parent_id: body.parent_id, position: 1 });
        categories = [...categories, created];
        return json(201, created);
      },
      'PATCH /api/faq-categories/c2': (call) => {
        categories = categories.map((c) => (c.id === 'c2' ? { ...c, ...(call.body as object) } : c));
        return json(200, categories.find((c) => c.id === 'c2'));
      },
      'DELETE /api/faq-categories/c1': () => apiError(409, 'conflict', 'a subcategory or FAQ filed under this category'),
      'DELETE /api/faq-categories/c3': () => {
        categories = categories.filter((c) => c.id !== 'c3');
        return new Response(null, { status: 204 });
      },
    });
    render();
    await screen.findByRole('list', { name: 'Categories' });
    expect(names()).toEqual(['Billing', 'Refunds']);
    expect(screen.getByRole('link', { name: 'Refunds' })).toHaveAttribute('href', '/faqs?category=c2');

    // Add one at the top level.
    await userEvent.click(screen.getByRole('button', { name: 'Add category' }));
    expect(screen.getByText('Give the category a name.')).toBeInTheDocument();
    await userEvent.type(screen.getByLabelText('Name'), 'Accounts');
    await userEvent.click(screen.getByRole('button', { name: 'Add category' }));
    await screen.findByRole('link', { name: 'Accounts' });
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ name: 'Accounts', parent_id: null });

    // Rename.
    await userEvent.click(screen.getByRole('button', { name: 'Rename Refunds' }));
    const name = screen.getByLabelText('New name for Refunds');
    await userEvent.clear(name);
    await userEvent.type(name, 'Money back{Enter}');
    await screen.findByRole('link', { name: 'Money back' });
    expect(calls.filter((c) => c.method === 'PATCH').at(-1)?.body).toEqual({ name: 'Money back' });

    // Move: not under itself; to the top level.
    await userEvent.click(screen.getByRole('button', { name: 'Move Money back' }));
    const under = screen.getByLabelText('Move Money back under');
    expect([...(under as HTMLSelectElement).options].map((o) => o.text)).toEqual(['Top level', 'Billing', 'Accounts']);
    await userEvent.selectOptions(under, '');
    await userEvent.click(screen.getByRole('button', { name: 'Move' }));
    await screen.findByRole('button', { name: 'Move Money back' });
    expect(calls.filter((c) => c.method === 'PATCH').at(-1)?.body).toEqual({ parent_id: null });

    // Delete: refused while something is filed under it, said in words.
    const billing = screen.getByRole('link', { name: 'Billing' }).closest('li')!;
    await userEvent.click(within(billing).getByRole('button', { name: 'Delete' }));
    await userEvent.click(within(billing).getByRole('button', { name: 'Delete Billing' }));
    expect(await within(billing).findByRole('alert')).toHaveTextContent('Subcategories or FAQs are still filed under it. Move or delete those first.');

    const accounts = screen.getByRole('link', { name: 'Accounts' }).closest('li')!;
    await userEvent.click(within(accounts).getByRole('button', { name: 'Delete' }));
    await userEvent.click(within(accounts).getByRole('button', { name: 'Delete Accounts' }));
    await vi.waitFor(() => expect(screen.queryByRole('link', { name: 'Accounts' })).not.toBeInTheDocument());
  });

  it('shows a member the tree without the tools, and says when there is none', async () => {
    mockFetch({ 'GET /api/auth/me': () => json(200, { ...ME, role: 'member' }), 'GET /api/faq-categories': () => json(200, []) });
    render();
    expect(await screen.findByText('No categories yet')).toBeInTheDocument();
    expect(screen.getByText(/Owners and admins add categories/)).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Add category' })).not.toBeInTheDocument();
  });
});
