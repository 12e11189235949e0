import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { saveTextFile } from '../../lib/files';
import { json, mockFetch, type Call } from '../../test/fetchMock';
import { ME, renderAt } from '../../test/render';
import { RequireSession } from '../auth';
import { FaqTransferPage } from './FaqTransferPage';

vi.mock('../../lib/files', async (original) => ({ ...(await original<typeof import('../../lib/files')>()), saveTextFile: vi.fn() }));

afterEach(() => vi.unstubAllGlobals());

const render = () => renderAt('/faqs/transfer', [{ path: '/faqs/transfer', element: <RequireSession><FaqTransferPage /></RequireSession> }]);

const report = (over: Record<string, unknown> = {}) => ({ format: 'jsonl', dry_run: true, records: 2, created: 1, updated: 1, unchanged: 0, ...over });

const BAD = '{"question": "How do I get a refund?", "answer": "Write to billing."}\n{"question": "Broken"\n';
const GOOD = '{"question": "How do I get a refund?", "answer": "Write to billing."}\n{"question": "Fixed?", "answer": "Yes."}\n';

const imports = (calls: Call[]) => calls.filter((c) => c.method === 'POST');

describe('FaqTransferPage', () => {
  it('checks pasted FAQs, shows each bad line and that nothing was imported, then imports the fixed file', async () => {
    const { calls } = mockFetch({
      'GET /api/auth/me': () => json(200, ME),
      'POST /api/faqs/import': (call) => {
        if (call.body === BAD) {
          return json(422, {
            error: {
              code: 'invalid_file',
              message: '1 line(s) of the file have errors; nothing was imported',
              lines: [{ line: 2, message: 'not a FAQ object: EOF while parsing an object at line 1 column 21' }],
            },
          });
        }
        return json(200, report({ dry_run: call.url.includes('dry_run=true') }));
      },
    });
    render();
    await userEvent.click(await screen.findByRole('button', { name: 'Check (dry run)' }));
    expect(screen.getByText('Choose a file, or paste the FAQs to import.')).toBeInTheDocument();
    expect(imports(calls)).toHaveLength(0);

    const box = screen.getByLabelText('Or paste the FAQs as text');
    await userEvent.click(box);
    await userEvent.paste(BAD);
    await userEvent.click(screen.getByRole('button', { name: 'Check (dry run)' }));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Nothing was imported: 1 line of the file has an error');
    const table = within(alert).getByRole('table', { name: 'Lines with errors' });
    expect(within(table).getAllByRole('row').map((r) => r.textContent)).toEqual([
      'LineWhat is wrong',
      '2not a FAQ object: EOF while parsing an object at line 1 column 21',
    ]);
    expect(imports(calls)[0]).toEqual({ method: 'POST', url: '/api/faqs/import?format=jsonl&dry_run=true&language=en', body: BAD });

    // Editing the text drops the report about the old one.
    await userEvent.clear(box);
    await userEvent.click(box);
    await userEvent.paste(GOOD);
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Check (dry run)' }));
    const checked = await screen.findByTestId('import-report');
    expect(checked).toHaveTextContent('Checked: nothing was imported');
    expect(checked).toHaveTextContent('Importing it, 1 would be created, 1 updated, 0 left unchanged.');
    expect(within(checked).getByTestId('import-created')).toHaveTextContent('1');

    await userEvent.click(screen.getByRole('button', { name: 'Import' }));
    await screen.findByText('Imported 2 FAQs: 1 created, 1 updated, 0 unchanged.');
    expect(screen.getByTestId('import-report')).toHaveTextContent('Imported');
    expect(screen.getByRole('link', { name: 'See the FAQs' })).toHaveAttribute('href', '/faqs');
    expect(imports(calls).at(-1)).toEqual({ method: 'POST', url: '/api/faqs/import?format=jsonl&dry_run=false&language=en', body: GOOD });
  });

  it('reads a chosen file, guessing its format from the extension', async () => {
    const { calls } = mockFetch({
      'GET /api/auth/me': () => json(200, { ...ME, role: 'admin' }),
      'POST /api/faqs/import': () => json(200, report({ format: 'csv', records: 1, created: 1, updated: 0 })),
    });
    render();
    const text = 'question,answer,category\nWhy?,Because.,Billing\n';
    await userEvent.upload(await screen.findByLabelText('File to import'), new File([text], 'help desk.CSV', { type: 'text/csv' }));
    expect(await screen.findByTestId('chosen-file')).toHaveTextContent('help desk.CSV');
    expect(screen.getByLabelText('Format')).toHaveValue('csv');
    expect(screen.getByText(/^Guessed from help desk\.CSV\./)).toBeInTheDocument();
    await userEvent.clear(screen.getByLabelText('Language'));
    await userEvent.type(screen.getByLabelText('Language'), 'pt-BR');
    await userEvent.click(screen.getByRole('button', { name: 'Check (dry run)' }));
    await screen.findByTestId('import-report');
    expect(imports(calls)[0]).toEqual({ method: 'POST', url: '/api/faqs/import?format=csv&dry_run=true&language=pt-BR', body: text });

    // Back to pasting: the file is let go.
    await userEvent.click(screen.getByRole('button', { name: 'Paste text instead' }));
    expect(screen.queryByTestId('chosen-file')).not.toBeInTheDocument();
    expect(screen.queryByTestId('import-report')).not.toBeInTheDocument();
  });

  it("lets a member export but not import, and downloads the API's file", async () => {
    const { calls } = mockFetch({
      'GET /api/auth/me': () => json(200, { ...ME, role: 'member' }),
      'GET /api/faqs/export': () => new Response('question,answer\nWhy?,Because.\n', { status: 200, headers: { 'Content-Type': 'text/csv' } }),
    });
    render();
    expect(await screen.findByText('Owners and admins import FAQs. You can export them below.')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Import' })).not.toBeInTheDocument();

    await userEvent.selectOptions(screen.getByLabelText('Which FAQs'), 'published');
    await userEvent.click(screen.getByRole('button', { name: 'Download CSV' }));
    expect(await screen.findByText('Downloaded faqs-published.csv.')).toBeInTheDocument();
    expect(calls.at(-1)?.url).toBe('/api/faqs/export?format=csv&status=published');
    expect(saveTextFile).toHaveBeenCalledWith('faqs-published.csv', 'question,answer\nWhy?,Because.\n', 'text/csv;charset=utf-8');
    expect(screen.getByRole('button', { name: 'Download JSON Lines' })).toBeEnabled();
    expect(screen.getByRole('button', { name: 'Download Markdown' })).toBeEnabled();
  });
});
