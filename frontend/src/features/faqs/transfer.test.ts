import { describe, expect, it } from 'vitest';
import { badLineTotal, exportFileName, formatFromFileName, reportSummary } from './transfer';

describe('FAQ files', () => {
  it('guesses the format from a file name as the server reads format names', () => {
    expect(formatFromFileName('faqs.jsonl')).toBe('jsonl');
    expect(formatFromFileName('export.NDJSON')).toBe('jsonl');
    expect(formatFromFileName('faqs.json')).toBe('jsonl');
    expect(formatFromFileName('Help Desk.CSV')).toBe('csv');
    expect(formatFromFileName('faq.md')).toBe('markdown');
    expect(formatFromFileName('faq.markdown')).toBe('markdown');
    expect(formatFromFileName('faqs.txt')).toBeUndefined();
    expect(formatFromFileName('.csv')).toBeUndefined();
    expect(formatFromFileName('README')).toBeUndefined();
  });

  it('names exports by format and status', () => {
    expect(exportFileName('jsonl')).toBe('faqs.jsonl');
    expect(exportFileName('markdown', 'published')).toBe('faqs-published.md');
  });

  it('says what an import did, or would do', () => {
    const report = { format: 'csv', records: 3, created: 2, updated: 1, unchanged: 0 } as const;
    expect(reportSummary({ ...report, dry_run: true })).toBe(
      'The file is fine: it holds 3 FAQs. Importing it, 2 would be created, 1 updated, 0 left unchanged. Nothing has changed yet.',
    );
    expect(reportSummary({ ...report, records: 1, created: 1, updated: 0, dry_run: false })).toBe('Imported 1 FAQ: 1 created, 0 updated, 0 unchanged.');
  });

  it("reads how many lines were bad from the server's message", () => {
    expect(badLineTotal('1500 line(s) of the file have errors; nothing was imported', 1000)).toBe(1500);
    expect(badLineTotal('something else', 2)).toBe(2);
  });
});
