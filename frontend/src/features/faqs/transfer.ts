// FAQ files (backend/src/http/faq_files.rs): the three formats, which one a
// file name says, what an export is called, and an import's report in words.
import type { FaqFormat, FaqStatus, ImportReport } from './types';

export interface FormatInfo {
  format: FaqFormat;
  label: string;
  extension: string;
  mediaType: string;
}

export const FAQ_FORMATS: readonly FormatInfo[] = [
  { format: 'jsonl', label: 'JSON Lines', extension: 'jsonl', mediaType: 'application/jsonl' },
  { format: 'csv', label: 'CSV', extension: 'csv', mediaType: 'text/csv' },
  { format: 'markdown', label: 'Markdown', extension: 'md', mediaType: 'text/markdown' },
];

export const formatInfo = (format: FaqFormat): FormatInfo => FAQ_FORMATS.find((f) => f.format === format) ?? FAQ_FORMATS[0]!;

/** The largest file the server accepts (`IMPORT_MAX_BYTES`). */
export const IMPORT_MAX_BYTES = 16 * 1024 * 1024;

// As the server reads a format's name (`FaqFormat::from_str`).
const BY_EXTENSION: Record<string, FaqFormat> = { jsonl: 'jsonl', ndjson: 'jsonl', json: 'jsonl', csv: 'csv', md: 'markdown', markdown: 'markdown' };

/** The format a file name's extension says (`faqs.CSV` → `csv`), or `undefined`. */
export function formatFromFileName(name: string): FaqFormat | undefined {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? BY_EXTENSION[name.slice(dot + 1).toLowerCase()] : undefined;
}

/** `faqs.csv`, `faqs-published.md`. */
export function exportFileName(format: FaqFormat, status?: FaqStatus): string {
  return `faqs${status ? `-${status}` : ''}.${formatInfo(format).extension}`;
}

/** `2 FAQs`, `1 FAQ`. */
export const faqCount = (n: number): string => `${n.toLocaleString('en')} ${n === 1 ? 'FAQ' : 'FAQs'}`;

/** What an import did, or a dry run would do, as one sentence. */
export function reportSummary(report: ImportReport): string {
  const { records, created, updated, unchanged, dry_run } = report;
  const parts = dry_run
    ? [`${created} would be created`, `${updated} updated`, `${unchanged} left unchanged`]
    : [`${created} created`, `${updated} updated`, `${unchanged} unchanged`];
  return dry_run
    ? `The file is fine: it holds ${faqCount(records)}. Importing it, ${parts.join(', ')}. Nothing has changed yet.`
    : `Imported ${faqCount(records)}: ${parts.join(', ')}.`;
}

/**
 * How many lines had errors, from the server's message (`3 line(s) of the
 * file have errors…`): it lists at most 1,000 of them.
 */
export function badLineTotal(message: string, listed: number): number {
  const m = /^(\d+) line/.exec(message);
  const total = m ? Number(m[1]) : listed;
  return Math.max(total, listed);
}
