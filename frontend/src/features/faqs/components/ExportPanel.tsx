import { useState } from 'react';
import { Button } from '../../../components/Button';
import { SelectField } from '../../../components/Field';
import { ErrorNotice } from '../../../components/States';
import { useAction } from '../../../hooks/useAction';
import { saveTextFile } from '../../../lib/files';
import { faqApi } from '../api';
import { exportFileName, FAQ_FORMATS, type FormatInfo } from '../transfer';
import { FAQ_STATUSES, type FaqStatus } from '../types';

/** Downloads the FAQs (all, or those of one status) as a file that imports back. */
export function ExportPanel() {
  const [status, setStatus] = useState<FaqStatus | ''>('');
  const [saved, setSaved] = useState<string>();
  const [pending, setPending] = useState<FormatInfo['format']>();
  const download = useAction(async (info: FormatInfo) => {
    setSaved(undefined);
    const text = await faqApi.exportFile({ format: info.format, status: status || undefined });
    const name = exportFileName(info.format, status || undefined);
    saveTextFile(name, text, `${info.mediaType};charset=utf-8`);
    setSaved(name);
  });
  return (
    <div className="space-y-4">
      <SelectField
        label="Which FAQs"
        value={status}
        className="max-w-xs"
        onChange={(e) => {
          setSaved(undefined);
          setStatus(e.target.value as FaqStatus | '');
        }}
      >
        <option value="">All of them</option>
        {FAQ_STATUSES.map((s) => (
          <option key={s} value={s}>
            Only {s}
          </option>
        ))}
      </SelectField>
      <div className="flex flex-wrap gap-2">
        {FAQ_FORMATS.map((info) => (
          <Button
            key={info.format}
            variant="secondary"
            busy={download.busy && pending === info.format}
            disabled={download.busy}
            onClick={() => {
              setPending(info.format);
              void download.run(info);
            }}
          >
            Download {info.label}
          </Button>
        ))}
      </div>
      {saved && (
        <p role="status" className="text-sm text-emerald-700 dark:text-emerald-400">
          Downloaded {saved}.
        </p>
      )}
      <ErrorNotice error={download.error} />
      <p className="text-xs text-slate-500 dark:text-slate-400">
        Oldest first, each with its id and its category's path (<span className="font-mono">Billing / Refunds</span>): edit the file and
        import it back to update the FAQs.
      </p>
    </div>
  );
}
