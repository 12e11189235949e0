import { describe, expect, it } from 'vitest';
import { defaultEchoForm, echoInput, jsonInput } from './taskInput';

describe('echoInput', () => {
  it('builds the echo graph input', () => {
    expect(echoInput({ message: '  hello ', rounds: '2', delayMs: '0', requireApproval: true })).toEqual({
      ok: true,
      input: { message: 'hello', rounds: 2, delay_ms: 0, require_approval: true },
    });
  });

  it('names each invalid field', () => {
    const result = echoInput({ ...defaultEchoForm, message: ' ', rounds: '0', delayMs: 'soon' });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(Object.keys(result.errors).sort()).toEqual(['delayMs', 'message', 'rounds']);
    expect(echoInput({ ...defaultEchoForm, message: 'x', rounds: '1001' }).ok).toBe(false);
    expect(echoInput({ ...defaultEchoForm, message: 'x', rounds: '2.5' }).ok).toBe(false);
  });
});

describe('jsonInput', () => {
  it('accepts objects only', () => {
    expect(jsonInput('{"repository":"r"}')).toEqual({ ok: true, input: { repository: 'r' } });
    expect(jsonInput('[1]').ok).toBe(false);
    expect(jsonInput('{nope').ok).toBe(false);
  });
});
