// Plain logic of the usage pages: the date range, numbers for people, and the
// budget form (what a person typed → the PUT /api/usage/budgets body).
import type { BudgetCaps, UpdateBudgets, UsageTotals } from '../../api/client';
import { formatUsd } from '../../lib/format';

/** The last `days` UTC days, today included, as the API's `from`/`to` dates. */
export function lastDays(days: number, now: Date = new Date()): { from: string; to: string } {
  const day = (d: Date) => d.toISOString().slice(0, 10);
  const start = new Date(now.getTime() - (days - 1) * 86_400_000);
  return { from: day(start), to: day(now) };
}

/** `950`, `12.3k`, `4.5M` tokens. */
export function formatTokens(n: number): string {
  if (!Number.isFinite(n)) return '—';
  if (Math.abs(n) < 1000) return String(Math.round(n));
  if (Math.abs(n) < 1_000_000) return `${trim(n / 1000)}k`;
  return `${trim(n / 1_000_000)}M`;
}

const trim = (v: number) => (v >= 100 ? String(Math.round(v)) : v.toFixed(1).replace(/\.0$/, ''));

/** `3 calls`, plus the ones that failed, were refused or cached, if any. */
export function describeCalls(t: UsageTotals): string {
  const parts = [`${t.calls} ${t.calls === 1 ? 'call' : 'calls'}`];
  if (t.errors) parts.push(`${t.errors} failed`);
  if (t.refused) parts.push(`${t.refused} refused`);
  if (t.cached) parts.push(`${t.cached} cached`);
  return parts.join(' · ');
}

/** How much of a cap is spent, 0–1 (more when over); null without a cap. */
export function spentShare(spent: number, cap: number | null | undefined): number | null {
  if (cap === null || cap === undefined) return null;
  if (cap <= 0) return spent > 0 ? 1 : 0;
  return spent / cap;
}

export type CapKey = keyof BudgetCaps & keyof UpdateBudgets;

export interface CapInfo {
  key: CapKey;
  label: string;
  unit: 'usd' | 'tokens';
}

export const CAPS: readonly CapInfo[] = [
  { key: 'hourly_usd', label: 'USD per hour', unit: 'usd' },
  { key: 'daily_usd', label: 'USD per day', unit: 'usd' },
  { key: 'task_usd', label: 'USD per task', unit: 'usd' },
  { key: 'hourly_tokens', label: 'Tokens per hour', unit: 'tokens' },
  { key: 'daily_tokens', label: 'Tokens per day', unit: 'tokens' },
  { key: 'task_tokens', label: 'Tokens per task', unit: 'tokens' },
];

/** A cap for people: `$5.00`, `200k tokens`, or `no cap`. */
export function formatCap(value: number | null | undefined, unit: CapInfo['unit']): string {
  if (value === null || value === undefined) return 'no cap';
  return unit === 'usd' ? formatUsd(value) : `${formatTokens(value)} tokens`;
}

/** The form's text per cap: the override, or empty when not overridden. */
export type BudgetDraft = Record<CapKey, string>;

export function draftFrom(overrides: BudgetCaps): BudgetDraft {
  const draft = {} as BudgetDraft;
  for (const { key } of CAPS) {
    const v = overrides[key];
    draft[key] = v === null || v === undefined ? '' : String(v);
  }
  return draft;
}

export interface BudgetPatch {
  /** Only the caps that changed: a number overrides, `null` clears the override. */
  patch: UpdateBudgets;
  /** Per cap, what is wrong with its text, in words. */
  errors: Partial<Record<CapKey, string>>;
}

/** Compares the form with the current overrides and builds the PUT body. */
export function buildPatch(draft: BudgetDraft, overrides: BudgetCaps): BudgetPatch {
  const patch: UpdateBudgets = {};
  const errors: BudgetPatch['errors'] = {};
  for (const { key, unit } of CAPS) {
    const text = draft[key].trim();
    const current = overrides[key] ?? null;
    let value: number | null = null;
    if (text !== '') {
      value = Number(text);
      if (!Number.isFinite(value)) {
        errors[key] = 'Enter a number, or leave it empty for the default.';
        continue;
      }
      if (value < 0) {
        errors[key] = 'Must be 0 or more.';
        continue;
      }
      if (unit === 'tokens' && !Number.isInteger(value)) {
        errors[key] = 'Tokens are a whole number.';
        continue;
      }
    }
    if (value !== current) patch[key] = value;
  }
  return { patch, errors };
}
