import { useId, type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes, type TextareaHTMLAttributes } from 'react';

const control =
  'block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm text-slate-900 shadow-sm placeholder:text-slate-400 focus:border-amber-500 focus:outline-2 focus:outline-amber-500/40 dark:border-slate-600 dark:bg-slate-900 dark:text-slate-100';

function Label({ htmlFor, children }: { htmlFor: string; children: ReactNode }) {
  return (
    <label htmlFor={htmlFor} className="mb-1 block text-sm font-medium text-slate-700 dark:text-slate-300">
      {children}
    </label>
  );
}

function Hint({ id, children }: { id: string; children: ReactNode }) {
  return (
    <p id={id} className="mt-1 text-xs text-slate-500 dark:text-slate-400">
      {children}
    </p>
  );
}

interface Common {
  label: ReactNode;
  hint?: ReactNode;
}

const describedBy = (...ids: (string | false | undefined)[]) => ids.filter(Boolean).join(' ') || undefined;

export function TextField({
  label,
  hint,
  error,
  className = '',
  ...rest
}: Common & { /** What is wrong with the value, shown under it. */ error?: ReactNode } & InputHTMLAttributes<HTMLInputElement>) {
  const id = useId();
  return (
    <div className={className}>
      <Label htmlFor={id}>{label}</Label>
      <input
        id={id}
        className={`${control} aria-invalid:border-red-500`}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(Boolean(error) && `${id}-error`, Boolean(hint) && `${id}-hint`)}
        {...rest}
      />
      {error && (
        <p id={`${id}-error`} className="mt-1 text-xs text-red-700 dark:text-red-300">
          {error}
        </p>
      )}
      {hint && <Hint id={`${id}-hint`}>{hint}</Hint>}
    </div>
  );
}

export function TextArea({
  label,
  hint,
  error,
  mono = true,
  className = '',
  ...rest
}: Common & {
  /** What is wrong with the value, shown under it. */
  error?: ReactNode;
  /** A monospace font, for code and JSON (the default); prose turns it off. */
  mono?: boolean;
} & TextareaHTMLAttributes<HTMLTextAreaElement>) {
  const id = useId();
  return (
    <div className={className}>
      <Label htmlFor={id}>{label}</Label>
      <textarea
        id={id}
        className={`${control} ${mono ? 'font-mono' : ''} aria-invalid:border-red-500`}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(Boolean(error) && `${id}-error`, Boolean(hint) && `${id}-hint`)}
        {...rest}
      />
      {error && (
        <p id={`${id}-error`} className="mt-1 text-xs text-red-700 dark:text-red-300">
          {error}
        </p>
      )}
      {hint && <Hint id={`${id}-hint`}>{hint}</Hint>}
    </div>
  );
}

export function SelectField({
  label,
  hint,
  error,
  className = '',
  children,
  ...rest
}: Common & { /** What is wrong with the choice, shown under it. */ error?: ReactNode } & SelectHTMLAttributes<HTMLSelectElement>) {
  const id = useId();
  return (
    <div className={className}>
      <Label htmlFor={id}>{label}</Label>
      <select
        id={id}
        className={`${control} aria-invalid:border-red-500`}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(Boolean(error) && `${id}-error`, Boolean(hint) && `${id}-hint`)}
        {...rest}
      >
        {children}
      </select>
      {error && (
        <p id={`${id}-error`} className="mt-1 text-xs text-red-700 dark:text-red-300">
          {error}
        </p>
      )}
      {hint && <Hint id={`${id}-hint`}>{hint}</Hint>}
    </div>
  );
}

export function CheckboxField({ label, hint, className = '', ...rest }: Common & InputHTMLAttributes<HTMLInputElement>) {
  const id = useId();
  return (
    <div className={`flex items-start gap-2 ${className}`}>
      <input
        id={id}
        type="checkbox"
        className="mt-0.5 size-4 rounded border-slate-300 accent-amber-600 dark:border-slate-600"
        aria-describedby={hint ? `${id}-hint` : undefined}
        {...rest}
      />
      <div>
        <label htmlFor={id} className="text-sm font-medium text-slate-700 dark:text-slate-300">
          {label}
        </label>
        {hint && <Hint id={`${id}-hint`}>{hint}</Hint>}
      </div>
    </div>
  );
}
