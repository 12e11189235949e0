import { screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { apiError, json, mockFetch } from '../../test/fetchMock';
import { COMMIT, repository } from '../../test/fixtures';
import { renderAt } from '../../test/render';
import { FilePage } from './FilePage';

afterEach(() => vi.unstubAllGlobals());

const TEXT = 'fn main() {\n    println!("{}", greet("world"));\n}\n\npub fn greet(name: &str) -> String {\n    format!("hello {name}")\n}\n';

const render = (path: string) => renderAt(path, [{ path: '/repositories/:repoId/file', element: <FilePage /> }]);

describe('FilePage', () => {
  it('shows the file with line numbers, highlighted, the cited lines marked', async () => {
    const { calls } = mockFetch({
      'GET /api/auth/me': () => apiError(401, 'unauthenticated', 'no'),
      'GET /api/repositories/r1': () => json(200, repository()),
      'GET /api/repositories/r1/file': () =>
        json(200, { repository_id: 'r1', path: 'src/main.rs', commit: COMMIT, language: 'rust', text: TEXT, line_count: 7 }),
    });
    render(`/repositories/r1/file?path=src%2Fmain.rs&commit=${COMMIT}#L5-L7`);
    const code = await screen.findByRole('region', { name: 'src/main.rs, 7 lines' });
    const rows = code.querySelectorAll('tr[data-line]');
    expect(rows).toHaveLength(7);
    expect([...code.querySelectorAll('tr[data-highlighted]')].map((r) => r.getAttribute('data-line'))).toEqual(['5', '6', '7']);
    expect(within(rows[4] as HTMLElement).getByText('fn').className).toBe('hljs-keyword');
    expect(screen.getByTestId('highlighted-range')).toHaveTextContent('Lines 5–7 highlighted.');
    expect(screen.getByRole('link', { name: 'backend' })).toHaveAttribute('href', '/repositories/r1');
    expect(calls.find((c) => c.url.includes('/file'))?.url).toBe(`/api/repositories/r1/file?path=src%2Fmain.rs&commit=${COMMIT}`);
  });

  it('offers the indexed commit when the cited one is gone', async () => {
    mockFetch({
      'GET /api/auth/me': () => apiError(401, 'unauthenticated', 'no'),
      'GET /api/repositories/r1': () => json(200, repository()),
      'GET /api/repositories/r1/file': () => apiError(404, 'not_found', 'file not found'),
    });
    render('/repositories/r1/file?path=src%2Fgone.rs&commit=abc#L2');
    expect(await screen.findByRole('alert')).toHaveTextContent('file not found');
    expect(screen.getByRole('link', { name: 'open the file at the indexed commit' })).toHaveAttribute(
      'href',
      '/repositories/r1/file?path=src%2Fgone.rs#L2',
    );
  });
});
