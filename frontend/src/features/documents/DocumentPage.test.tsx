import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { apiError, json, mockFetch } from '../../test/fetchMock';
import { COMMIT, documentRow, documentVersion } from '../../test/fixtures';
import { ME, renderAt } from '../../test/render';
import { RequireSession } from '../auth';
import { DocumentPage } from './DocumentPage';

afterEach(() => vi.unstubAllGlobals());

const MARKDOWN = [
  '# backend System Architecture',
  '',
  'The server starts in `src/main.rs:L1-L3` and greets in src/main.rs:L5-L7.',
  '',
  '```rust',
  'fn main() {} // src/main.rs:L1-L3 stays code',
  '```',
  '',
  'See [the site](https://example.com) and [Shop](/README.md).',
].join('\n');

const REPORT = {
  claims_checked: 12,
  claims_kept: 9,
  paths_checked: 3,
  citations_checked: 5,
  symbols_checked: 1,
  technologies_checked: 0,
  removed_by_kind: { uncited: 2, missing_path: 1 },
  removed: [
    { text: 'It is blazing fast.', uncited: true, issues: [] },
    { text: 'It reads `src/mian.rs`.', uncited: false, issues: [{ kind: 'missing_path', token: 'src/mian.rs', path: 'src/mian.rs', suggestions: [] }] },
  ],
  rewritten: [],
};

const MANIFEST = {
  chunks: [
    { path: 'src/main.rs', start_line: 1, end_line: 7, commit: COMMIT, sections: ['overview'], cited: true },
    { path: 'README.md', start_line: 1, end_line: 4, commit: COMMIT, sections: ['overview'], cited: false },
  ],
  citations: [],
};

const v1 = documentVersion({ version: 1, markdown: '# Old\n' });
const v2 = documentVersion({
  version: 2,
  markdown: MARKDOWN,
  report: REPORT,
  manifest: MANIFEST,
  publication: {
    path: 'docs/faq/what-is-the-system-architecture.md',
    branch: 'morningai/doc-1',
    commit: 'b'.repeat(40),
    pull_request_number: 7,
    pull_request_url: 'https://github.com/acme/backend/pull/7',
    published_at: '2026-01-02T00:00:00Z',
  },
});
const info = ({ markdown: _m, manifest: _x, report: _r, ...rest }: typeof v1) => rest;

function mockApi() {
  let deleted = false;
  const mock = mockFetch({
    'GET /api/auth/me': () => json(200, ME),
    'GET /api/documents/d1': (call) => {
      if (deleted) return apiError(404, 'not_found', 'document not found');
      const version = call.url.includes('version=1') ? v1 : v2;
      return json(200, { document: documentRow({ latest_version: 2 }), version });
    },
    'GET /api/documents/d1/versions': () => json(200, { versions: [info(v2), info(v1)] }),
    'GET /api/documents/d1/diff': () =>
      json(200, { from: 1, to: 2, from_commit: COMMIT, to_commit: COMMIT, added: 1, removed: 1, unified: '--- v1\n+++ v2\n@@ -1 +1 @@\n-# Old\n+# New\n' }),
    'DELETE /api/documents/d1': () => {
      deleted = true;
      return new Response(null, { status: 204 });
    },
    'GET /api/documents': () => json(200, { documents: [] }),
  });
  return mock;
}

const render = (path: string) =>
  renderAt(path, [
    { path: '/documents/:docId', element: <RequireSession><DocumentPage /></RequireSession> },
    { path: '/documents', element: <p>documents list</p> },
  ]);

describe('DocumentPage', () => {
  it('renders the Markdown with its citations linked to the file view at the commit', async () => {
    mockApi();
    render('/documents/d1');
    const body = await screen.findByTestId('document-markdown');
    expect(within(body).getByRole('heading', { level: 1, name: 'backend System Architecture' })).toBeInTheDocument();
    const code = within(body).getByRole('link', { name: 'src/main.rs:L1-L3' });
    expect(code).toHaveAttribute('href', `/repositories/r1/file?path=src%2Fmain.rs&commit=${COMMIT}#L1-L3`);
    expect(code.querySelector('code')).not.toBeNull();
    expect(within(body).getByRole('link', { name: 'src/main.rs:L5-L7' })).toHaveAttribute(
      'href',
      `/repositories/r1/file?path=src%2Fmain.rs&commit=${COMMIT}#L5-L7`,
    );
    // Code blocks stay code, highlighted; other links open elsewhere.
    expect(body.querySelector('pre code.hljs.language-rust')).not.toBeNull();
    expect(within(body).getAllByRole('link')).toHaveLength(4);
    expect(within(body).getByRole('link', { name: 'the site' })).toHaveAttribute('target', '_blank');
    // A link to a file of the repository opens the file view.
    expect(within(body).getByRole('link', { name: 'Shop' })).toHaveAttribute('href', `/repositories/r1/file?path=README.md&commit=${COMMIT}`);

    expect(screen.getByTestId('document-version')).toHaveTextContent('Version 2 of 2');
    expect(screen.getByTestId('claims-checked')).toHaveTextContent('12');
    expect(screen.getByTestId('claims-kept')).toHaveTextContent('9');
    expect(screen.getByTestId('claims-removed')).toHaveTextContent('2');
    const reasons = screen.getByRole('list', { name: 'Removed by reason' });
    expect(reasons).toHaveTextContent('cites nothing2');
    expect(reasons).toHaveTextContent('names a path not in the repository1');
    const removed = screen.getByRole('list', { name: 'Removed claims' });
    expect(removed).toHaveTextContent('It is blazing fast.');
    expect(removed).toHaveTextContent('It cites no lines of the repository');
    expect(removed).toHaveTextContent('src/mian.rs is not in the repository');

    const evidence = screen.getByRole('list', { name: 'Evidence' });
    const items = within(evidence).getAllByRole('listitem');
    expect(items.map((i) => i.textContent)).toEqual(['src/main.rs:L1-L7cited', 'README.md:L1-L4not cited']);
    expect(within(evidence).getByRole('link', { name: 'README.md:L1-L4' })).toHaveAttribute(
      'href',
      `/repositories/r1/file?path=README.md&commit=${COMMIT}#L1-L4`,
    );
    expect(screen.getByTestId('document-task-link')).toHaveAttribute('href', `/tasks/${v2.task_id}`);
    expect(screen.getByRole('link', { name: '#7' })).toHaveAttribute('href', 'https://github.com/acme/backend/pull/7');
    expect(screen.getByText('morningai/doc-1')).toBeInTheDocument();
  });

  it('opens another version and compares two, coloured by line', async () => {
    mockApi();
    const { router } = render('/documents/d1');
    const versions = await screen.findByRole('list', { name: 'Versions' });
    await userEvent.click(within(versions).getByRole('link', { name: 'Version 1' }));
    expect(await screen.findByRole('heading', { level: 1, name: 'Old' })).toBeInTheDocument();
    expect(router.state.location.search).toBe('?version=1');
    expect(screen.getByTestId('document-version')).toHaveTextContent('Version 1 of 2');

    await userEvent.click(screen.getByRole('link', { name: 'Changes' }));
    expect(router.state.location.search).toBe('?version=2&compare=1');
    const table = await screen.findByRole('table', { name: 'Changes from version 1 to 2' });
    expect(table.querySelector('[data-diff="removed"]')).toHaveTextContent('removed: # Old');
    expect(table.querySelector('[data-diff="added"]')).toHaveTextContent('added: # New');
    expect(screen.getByTestId('diff-summary')).toHaveTextContent('+1 −1 lines');
  });

  it('deletes after asking, then goes back to the list', async () => {
    const { calls } = mockApi();
    const { router } = render('/documents/d1');
    await userEvent.click(await screen.findByRole('button', { name: 'Delete' }));
    await userEvent.click(screen.getByRole('button', { name: 'Delete this document' }));
    await screen.findByText('documents list');
    expect(router.state.location.pathname).toBe('/documents');
    expect(calls.some((c) => c.method === 'DELETE' && c.url === '/api/documents/d1')).toBe(true);
  });

  it("says so when the document is not found (another tenant's, or deleted)", async () => {
    mockFetch({
      'GET /api/auth/me': () => json(200, ME),
      'GET /api/documents/d9': () => apiError(404, 'not_found', 'document not found'),
      'GET /api/documents/d9/versions': () => apiError(404, 'not_found', 'document not found'),
    });
    render('/documents/d9');
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Not found');
    expect(alert).toHaveTextContent('document not found');
    expect(screen.getByRole('link', { name: 'Back to documents' })).toHaveAttribute('href', '/documents');
  });
});
