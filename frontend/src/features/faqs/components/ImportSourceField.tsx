import { useId, type ChangeEvent } from 'react';
import { Button } from '../../../components/Button';
import { TextArea } from '../../../components/Field';

export interface ChosenFile {
  name: string;
  size: number;
  text: string;
}

const kib = (bytes: number) => (bytes < 1024 ? `${bytes} bytes` : `${(bytes / 1024).toLocaleString('en', { maximumFractionDigits: 1 })} KB`);

/**
 * Where the FAQs to import come from: a file chosen on the computer, or,
 * while none is, text pasted in.
 */
export function ImportSourceField({
  file,
  pasted,
  error,
  onFile,
  onClearFile,
  onPaste,
}: {
  file: ChosenFile | null;
  pasted: string;
  error?: string;
  onFile: (file: File) => void;
  onClearFile: () => void;
  onPaste: (text: string) => void;
}) {
  const inputId = useId();
  const choose = (e: ChangeEvent<HTMLInputElement>) => {
    const chosen = e.target.files?.[0];
    if (chosen) onFile(chosen);
    // Choosing the same file again (after editing it) reads it again.
    e.target.value = '';
  };
  return (
    <div className="space-y-3">
      <div>
        <label htmlFor={inputId} className="mb-1 block text-sm font-medium text-slate-700 dark:text-slate-300">
          File to import
        </label>
        <input
          id={inputId}
          type="file"
          accept=".jsonl,.ndjson,.json,.csv,.md,.markdown,.txt,text/*"
          onChange={choose}
          className="block w-full text-sm text-slate-700 file:mr-3 file:rounded-md file:border file:border-slate-300 file:bg-white file:px-3 file:py-1.5 file:text-sm file:font-medium file:text-slate-800 hover:file:bg-slate-100 dark:text-slate-300 dark:file:border-slate-600 dark:file:bg-slate-800 dark:file:text-slate-100"
        />
      </div>
      {file ? (
        <div className="flex flex-wrap items-center gap-3 rounded-md border border-slate-200 px-3 py-2 text-sm dark:border-slate-700" data-testid="chosen-file">
          <span className="min-w-0 flex-1 break-all">
            <span className="font-mono">{file.name}</span> <span className="text-slate-500 dark:text-slate-400">· {kib(file.size)}</span>
          </span>
          <Button variant="ghost" onClick={onClearFile}>
            Paste text instead
          </Button>
        </div>
      ) : (
        <TextArea
          label="Or paste the FAQs as text"
          rows={8}
          value={pasted}
          placeholder={'{"question": "How do I get a refund?", "answer": "Write to billing.", "category": "Billing"}'}
          onChange={(e) => onPaste(e.target.value)}
        />
      )}
      {error && <p className="text-xs text-red-700 dark:text-red-300">{error}</p>}
    </div>
  );
}
