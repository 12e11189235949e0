export function JsonView({ value, label }: { value: unknown; label?: string }) {
  return (
    <pre
      aria-label={label}
      tabIndex={0}
      className="max-h-96 overflow-auto rounded-md bg-slate-100 p-3 font-mono text-xs leading-relaxed text-slate-800 dark:bg-slate-950 dark:text-slate-200"
    >
      {JSON.stringify(value, null, 2)}
    </pre>
  );
}
