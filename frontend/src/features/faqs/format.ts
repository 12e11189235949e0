// Plain helpers for showing FAQs: links, rates, counts.

/** The FAQ page, optionally comparing two versions. */
export function faqHref(id: string, compare?: { from: number; to: number }): string {
  const base = `/faqs/${encodeURIComponent(id)}`;
  return compare ? `${base}?from=${compare.from}&to=${compare.to}` : base;
}

/** The list filtered by a category. */
export const categoryFaqsHref = (categoryId: string): string => `/faqs?category=${encodeURIComponent(categoryId)}`;

/** `25%`, `33.3%`; `—` when there is nothing to divide. */
export function formatRate(part: number, whole: number): string {
  if (!whole || !Number.isFinite(part / whole)) return '—';
  const pct = (part / whole) * 100;
  return `${Number.isInteger(pct) ? pct : pct.toFixed(1)}%`;
}

/** `1,234`. */
export const formatCount = (n: number): string => n.toLocaleString('en');

/** A positive whole number from a query parameter, or `undefined`. */
export function positiveInt(raw: string | null): number | undefined {
  if (!raw || !/^\d+$/.test(raw)) return undefined;
  const n = Number(raw);
  return n >= 1 && Number.isSafeInteger(n) ? n : undefined;
}
