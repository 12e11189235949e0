import { useDeferredValue, useId } from 'react';
import { TextArea } from '../../../components/Field';
import { ANSWER_MAX_CHARS, charCount } from '../faqForm';
import { FaqMarkdown } from './FaqMarkdown';

/** The answer's Markdown beside its live preview (stacked on a phone). */
export function AnswerMarkdownField({ value, error, onChange }: { value: string; error?: string; onChange: (value: string) => void }) {
  const previewId = useId();
  // Typing stays quick in a long answer: the preview follows when it can.
  const preview = useDeferredValue(value);
  const length = charCount(value);
  return (
    <div className="grid gap-3 lg:grid-cols-2">
      <TextArea
        label="Answer (Markdown)"
        rows={14}
        value={value}
        error={error}
        hint={
          <span className={length > ANSWER_MAX_CHARS ? 'text-red-700 dark:text-red-300' : undefined}>
            {length.toLocaleString('en')} / {ANSWER_MAX_CHARS.toLocaleString('en')} characters. Lists, tables, links and code blocks as on
            GitHub.
          </span>
        }
        onChange={(e) => onChange(e.target.value)}
      />
      <section aria-labelledby={previewId} className="min-w-0">
        <h3 id={previewId} className="mb-1 text-sm font-medium text-slate-700 dark:text-slate-300">
          Preview
        </h3>
        <div className="min-h-24 rounded-md border border-dashed border-slate-300 px-3 py-2 dark:border-slate-700">
          {preview.trim() ? (
            <FaqMarkdown markdown={preview} />
          ) : (
            <p className="text-sm text-slate-500 dark:text-slate-400">The answer shows here as people will read it.</p>
          )}
        </div>
      </section>
    </div>
  );
}
