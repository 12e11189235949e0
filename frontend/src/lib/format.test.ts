import { describe, expect, it } from 'vitest';
import { between, formatDuration, formatRelative, formatUsd, humanize, shortId } from './format';

describe('format', () => {
  it('formats durations for people', () => {
    expect(formatDuration(null)).toBe('—');
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(1234)).toBe('1.2 s');
    expect(formatDuration(42_000)).toBe('42 s');
    expect(formatDuration(125_000)).toBe('2 min 5 s');
    expect(formatDuration(3_780_000)).toBe('1 h 3 min');
  });

  it('measures between timestamps', () => {
    expect(between('2026-01-01T00:00:00Z', '2026-01-01T00:00:02.5Z')).toBe(2500);
    expect(between('2026-01-01T00:00:00Z', null, Date.parse('2026-01-01T00:01:00Z'))).toBe(60_000);
    expect(between(null, null)).toBeNull();
  });

  it('says how long ago', () => {
    const now = Date.parse('2026-01-01T12:00:00Z');
    expect(formatRelative('2026-01-01T11:59:50Z', now)).toBe('just now');
    expect(formatRelative('2026-01-01T11:55:00Z', now)).toBe('5 min ago');
    expect(formatRelative('2026-01-01T09:00:00Z', now)).toBe('3 h ago');
  });

  it('shortens and humanizes', () => {
    expect(shortId('0190f0e0-0000-7000-8000-000000000000')).toBe('0190f0e0');
    expect(humanize('waiting_approval')).toBe('waiting approval');
    expect(formatUsd(0)).toBe('$0');
    expect(formatUsd(0.0042)).toBe('$0.0042');
    expect(formatUsd(1.5)).toBe('$1.50');
  });
});
