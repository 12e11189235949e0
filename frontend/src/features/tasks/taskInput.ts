// The new-task form's values, checked and turned into a task's `input`.

export interface EchoForm {
  message: string;
  rounds: string;
  delayMs: string;
  requireApproval: boolean;
}

export const defaultEchoForm: EchoForm = { message: '', rounds: '3', delayMs: '500', requireApproval: false };

export type InputResult = { ok: true; input: Record<string, unknown> } | { ok: false; errors: Record<string, string> };

function integer(raw: string, field: string, min: number, max: number, errors: Record<string, string>): number | undefined {
  const trimmed = raw.trim();
  if (!/^\d+$/.test(trimmed)) {
    errors[field] = `a whole number from ${min} to ${max}`;
    return undefined;
  }
  const n = Number(trimmed);
  if (n < min || n > max) {
    errors[field] = `a whole number from ${min} to ${max}`;
    return undefined;
  }
  return n;
}

/** The `echo` graph's input (see orchestration/src/graphs/echo.rs for its limits). */
export function echoInput(form: EchoForm): InputResult {
  const errors: Record<string, string> = {};
  const message = form.message.trim();
  if (!message) errors.message = 'say something to echo';
  else if ([...message].length > 10_000) errors.message = 'at most 10,000 characters';
  const rounds = integer(form.rounds, 'rounds', 1, 1000, errors);
  const delayMs = integer(form.delayMs, 'delayMs', 0, 60_000, errors);
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, input: { message, rounds, delay_ms: delayMs, require_approval: form.requireApproval } };
}

/** Any other kind: the input as a JSON object. */
export function jsonInput(raw: string): InputResult {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (e) {
    return { ok: false, errors: { json: `not valid JSON: ${e instanceof Error ? e.message : String(e)}` } };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, errors: { json: 'must be a JSON object, like {"key": "value"}' } };
  }
  return { ok: true, input: value as Record<string, unknown> };
}
