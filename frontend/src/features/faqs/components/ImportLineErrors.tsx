import type { LineError } from '../../../api/client';
import { badLineTotal } from '../transfer';

const th = 'px-2 py-1.5 text-left text-xs font-medium text-red-900/80 dark:text-red-100/80';

/** A refused file: nothing was imported, and which lines are wrong and why. */
export function ImportLineErrors({ message, lines }: { message: string; lines: readonly LineError[] }) {
  const total = badLineTotal(message, lines.length);
  return (
    <div
      role="alert"
      className="space-y-3 rounded-md border border-red-300 bg-red-50 px-4 py-3 text-sm text-red-950 dark:border-red-800 dark:bg-red-950/60 dark:text-red-100"
    >
      <div>
        <p className="font-semibold">Nothing was imported: {total === 1 ? '1 line of the file has an error' : `${total.toLocaleString('en')} lines of the file have errors`}</p>
        <p className="mt-0.5">
          A file is imported whole or not at all. Fix {total === 1 ? 'this line' : 'these lines'}, then check the file again.
          {total > lines.length && ` The first ${lines.length.toLocaleString('en')} are listed.`}
        </p>
      </div>
      <div className="max-h-96 overflow-auto rounded border border-red-200 bg-white dark:border-red-900 dark:bg-slate-950">
        <table className="w-full text-sm" aria-label="Lines with errors">
          <thead className="sticky top-0 bg-red-50 dark:bg-red-950">
            <tr>
              <th className={`${th} w-16 text-right`}>Line</th>
              <th className={th}>What is wrong</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-red-100 dark:divide-red-900/60">
            {lines.map((l, i) => (
              <tr key={`${l.line}:${i}`} data-line={l.line}>
                <td className="px-2 py-1.5 text-right font-mono tabular-nums">{l.line}</td>
                <td className="px-2 py-1.5 break-words">{l.message}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
