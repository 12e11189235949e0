import { describe, expect, it } from 'vitest';
import { inputSummary } from './summary';

describe('inputSummary', () => {
  it('prefers the words a person typed', () => {
    expect(inputSummary({ message: ' hello ', rounds: 3 })).toBe('hello');
    expect(inputSummary({ question: 'What is the architecture?' })).toBe('What is the architecture?');
    expect(inputSummary({ repository: 'r' })).toBe('{"repository":"r"}');
    expect(inputSummary({})).toBe('');
    expect(inputSummary(null)).toBe('');
  });
});
