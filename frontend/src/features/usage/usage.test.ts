import { describe, expect, it } from 'vitest';
import type { UsageTotals } from '../../api/client';
import { buildPatch, describeCalls, draftFrom, formatCap, formatTokens, lastDays, spentShare } from './usage';

const totals = (over: Partial<UsageTotals> = {}): UsageTotals => ({
  calls: 0,
  errors: 0,
  refused: 0,
  cached: 0,
  tokens: 0,
  prompt_tokens: 0,
  completion_tokens: 0,
  cost_usd: 0,
  ...over,
});

describe('usage formatting', () => {
  it('covers the last 30 UTC days, today included', () => {
    expect(lastDays(30, new Date('2026-03-05T23:30:00Z'))).toEqual({ from: '2026-02-04', to: '2026-03-05' });
    expect(lastDays(1, new Date('2026-03-05T00:00:00Z'))).toEqual({ from: '2026-03-05', to: '2026-03-05' });
  });

  it('formats tokens, calls and caps', () => {
    expect(formatTokens(950)).toBe('950');
    expect(formatTokens(12_345)).toBe('12.3k');
    expect(formatTokens(200_000)).toBe('200k');
    expect(formatTokens(4_500_000)).toBe('4.5M');
    expect(describeCalls(totals({ calls: 1 }))).toBe('1 call');
    expect(describeCalls(totals({ calls: 5, errors: 1, refused: 2, cached: 1 }))).toBe('5 calls · 1 failed · 2 refused · 1 cached');
    expect(formatCap(null, 'usd')).toBe('no cap');
    expect(formatCap(5, 'usd')).toBe('$5.00');
    expect(formatCap(200_000, 'tokens')).toBe('200k tokens');
  });

  it('measures spend against a cap', () => {
    expect(spentShare(1, null)).toBeNull();
    expect(spentShare(1, 4)).toBe(0.25);
    expect(spentShare(0, 0)).toBe(0);
    expect(spentShare(0.1, 0)).toBe(1);
  });
});

describe('budget form', () => {
  const overrides = { daily_usd: 5, task_tokens: null };

  it('sends only what changed: numbers override, empty clears', () => {
    const draft = draftFrom(overrides);
    expect(draft.daily_usd).toBe('5');
    expect(draft.task_tokens).toBe('');
    expect(buildPatch(draft, overrides)).toEqual({ patch: {}, errors: {} });

    expect(buildPatch({ ...draft, daily_usd: '', task_tokens: ' 200000 ', hourly_usd: '0' }, overrides)).toEqual({
      patch: { daily_usd: null, task_tokens: 200000, hourly_usd: 0 },
      errors: {},
    });
  });

  it('says in words what is wrong', () => {
    const draft = draftFrom(overrides);
    const { patch, errors } = buildPatch({ ...draft, daily_usd: 'five', hourly_usd: '-1', task_tokens: '1.5' }, overrides);
    expect(patch).toEqual({});
    expect(errors).toEqual({
      daily_usd: 'Enter a number, or leave it empty for the default.',
      hourly_usd: 'Must be 0 or more.',
      task_tokens: 'Tokens are a whole number.',
    });
  });
});
