/** A short line about a task's input, for lists. */
export function inputSummary(input: unknown): string {
  if (typeof input !== 'object' || input === null) return '';
  const record = input as Record<string, unknown>;
  for (const key of ['message', 'question', 'instruction', 'query']) {
    const value = record[key];
    if (typeof value === 'string' && value.trim()) return value.trim();
  }
  const text = JSON.stringify(input);
  return text === '{}' ? '' : text;
}
