// Plain helpers for showing documents.
import type { Document, DocumentVersionInfo } from '../../api/client';

/** `9 kept · 3 removed` for a document or one of its versions. */
export function verificationText(v: Pick<Document | DocumentVersionInfo, 'claims_checked' | 'claims_removed'>): string {
  const kept = Math.max(0, v.claims_checked - v.claims_removed);
  return `${kept} kept · ${v.claims_removed} removed`;
}

/** The document page at a version, or comparing two. */
export function documentHref(id: string, options: { version?: number; compare?: number } = {}): string {
  const query = new URLSearchParams();
  if (options.version !== undefined) query.set('version', String(options.version));
  if (options.compare !== undefined) query.set('compare', String(options.compare));
  const s = query.toString();
  return `/documents/${encodeURIComponent(id)}${s ? `?${s}` : ''}`;
}

/** A positive whole number from a query parameter, or `undefined`. */
export function versionParam(raw: string | null): number | undefined {
  if (!raw || !/^\d+$/.test(raw)) return undefined;
  const n = Number(raw);
  return n >= 1 && Number.isSafeInteger(n) ? n : undefined;
}
