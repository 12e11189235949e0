import { useState } from 'react';
import { ApiError } from '../../../api/client';
import { Button } from '../../../components/Button';
import { SelectField, TextField } from '../../../components/Field';
import { ErrorNotice } from '../../../components/States';
import { useAction } from '../../../hooks/useAction';
import { readTextFile } from '../../../lib/files';
import { faqApi } from '../api';
import { FAQ_FORMATS, formatFromFileName, IMPORT_MAX_BYTES } from '../transfer';
import type { FaqFormat, ImportReport } from '../types';
import { ImportLineErrors } from './ImportLineErrors';
import { ImportReportView } from './ImportReportView';
import { ImportSourceField, type ChosenFile } from './ImportSourceField';

type Outcome = { kind: 'report'; report: ImportReport } | { kind: 'invalid'; error: ApiError };

const FORMAT_HINTS: Record<FaqFormat, string> = {
  jsonl: 'One FAQ per line: {"question", "answer", "category"?, "tags"?, "language"?, "status"?, "external_id"?, "id"?}.',
  csv: 'A header row naming the columns (question and answer at least; tags separated by commas).',
  markdown: '# Category, then ## Question and its answer under it.',
};

/**
 * Imports FAQs from a file or pasted text: check it first (a dry run that
 * changes nothing), then import. A file is imported whole or not at all.
 */
export function ImportForm({ onImported }: { onImported?: () => void }) {
  const [file, setFile] = useState<ChosenFile | null>(null);
  const [pasted, setPasted] = useState('');
  const [format, setFormat] = useState<FaqFormat>('jsonl');
  const [guessedFrom, setGuessedFrom] = useState<string>();
  const [language, setLanguage] = useState('en');
  const [sourceError, setSourceError] = useState<string>();
  const [outcome, setOutcome] = useState<Outcome>();
  const [checking, setChecking] = useState(false);

  // Anything changed makes the last report about another file.
  const changed = () => {
    setOutcome(undefined);
    setSourceError(undefined);
  };
  const read = useAction(async (chosen: File) => {
    changed();
    if (chosen.size > IMPORT_MAX_BYTES) {
      setSourceError(`${chosen.name} is larger than 16 MB, the most one import takes. Split it into smaller files.`);
      return;
    }
    const guessed = formatFromFileName(chosen.name);
    if (guessed) setFormat(guessed);
    setGuessedFrom(guessed ? chosen.name : undefined);
    setFile({ name: chosen.name, size: chosen.size, text: await readTextFile(chosen) });
  });
  const send = useAction(async (text: string, dryRun: boolean) => {
    setOutcome(undefined);
    try {
      const report = await faqApi.importFile(text, { format, dry_run: dryRun, language: language.trim() || undefined });
      setOutcome({ kind: 'report', report });
      if (!dryRun) onImported?.();
    } catch (e) {
      if (e instanceof ApiError && e.code === 'invalid_file') {
        setOutcome({ kind: 'invalid', error: e });
        return;
      }
      throw e;
    }
  });

  const text = file?.text ?? pasted;
  const run = (dryRun: boolean) => {
    if (!text.trim()) {
      setSourceError(file ? `${file.name} is empty.` : 'Choose a file, or paste the FAQs to import.');
      return;
    }
    setChecking(dryRun);
    void send.run(text, dryRun);
  };
  const busy = send.busy || read.busy;
  return (
    <div className="space-y-4">
      <ImportSourceField
        file={file}
        pasted={pasted}
        error={sourceError}
        onFile={(chosen) => void read.run(chosen)}
        onClearFile={() => {
          changed();
          setFile(null);
          setGuessedFrom(undefined);
        }}
        onPaste={(value) => {
          changed();
          setPasted(value);
        }}
      />
      <div className="grid gap-3 sm:grid-cols-2">
        <SelectField
          label="Format"
          value={format}
          hint={guessedFrom ? `Guessed from ${guessedFrom}. ${FORMAT_HINTS[format]}` : FORMAT_HINTS[format]}
          onChange={(e) => {
            changed();
            setGuessedFrom(undefined);
            setFormat(e.target.value as FaqFormat);
          }}
        >
          {FAQ_FORMATS.map((f) => (
            <option key={f.format} value={f.format}>
              {f.label} (.{f.extension})
            </option>
          ))}
        </SelectField>
        <TextField
          label="Language"
          value={language}
          hint="For FAQs the file gives no language: en, zh-Hant, pt-BR…"
          onChange={(e) => {
            changed();
            setLanguage(e.target.value);
          }}
        />
      </div>
      <p className="text-xs text-slate-500 dark:text-slate-400">
        An FAQ with an <span className="font-mono">id</span> or an <span className="font-mono">external_id</span> you already have updates
        that FAQ; the others are added, published unless the file gives a status. A category is named by its path (
        <span className="font-mono">Billing / Refunds</span>) and must exist already.
      </p>
      <ErrorNotice error={read.error ?? send.error} />
      {outcome?.kind === 'report' && <ImportReportView report={outcome.report} />}
      {outcome?.kind === 'invalid' && <ImportLineErrors message={outcome.error.message} lines={outcome.error.lines} />}
      <div className="flex flex-wrap gap-2">
        <Button variant="secondary" busy={send.busy && checking} disabled={busy} onClick={() => run(true)}>
          Check (dry run)
        </Button>
        <Button busy={send.busy && !checking} disabled={busy} onClick={() => run(false)}>
          Import
        </Button>
      </div>
    </div>
  );
}
