import { screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { apiError, mockFetch } from '../test/fetchMock';
import { renderAt } from '../test/render';
import { Markdown } from './Markdown';

afterEach(() => vi.unstubAllGlobals());

const render = (markdown: string) => renderAt('/', [{ path: '/', element: <Markdown markdown={markdown} testId="md" /> }]);

describe('Markdown', () => {
  it('renders GitHub-flavoured Markdown, links in the app through the router and others in a new tab, and no raw HTML', async () => {
    mockFetch({ 'GET /api/auth/me': () => apiError(401, 'unauthenticated', 'no') });
    render(
      [
        'Write to **billing**.',
        '',
        '| a | b |',
        '|---|---|',
        '| 1 | 2 |',
        '',
        '[Tasks](/tasks) · [Docs](https://example.com/docs) · [Odd](//evil.example)',
        '',
        '<script>alert(1)</script>',
        '',
        '```rust',
        'fn main() {}',
        '```',
      ].join('\n'),
    );
    const body = await screen.findByTestId('md');
    expect(body.querySelector('strong')).toHaveTextContent('billing');
    expect(screen.getByRole('table')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Tasks' })).toHaveAttribute('href', '/tasks');
    expect(screen.getByRole('link', { name: 'Tasks' })).not.toHaveAttribute('target');
    expect(screen.getByRole('link', { name: 'Docs' })).toHaveAttribute('target', '_blank');
    expect(screen.getByRole('link', { name: 'Odd' })).toHaveAttribute('target', '_blank');
    expect(body.querySelector('script')).toBeNull();
    expect(body.querySelector('code.language-rust')).not.toBeNull();
  });
});
