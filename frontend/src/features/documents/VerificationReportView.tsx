import type { VerificationReport } from './report';
import { reasonLabel, removalReasons } from './report';

function Stat({ label, value, testId }: { label: string; value: number; testId?: string }) {
  return (
    <div className="rounded-md border border-slate-200 px-3 py-2 dark:border-slate-700">
      <dt className="text-xs text-slate-500 dark:text-slate-400">{label}</dt>
      <dd className="text-xl font-semibold tabular-nums" data-testid={testId}>
        {value}
      </dd>
    </div>
  );
}

/** What verification did: claims checked, kept and removed, and why each removed one was. */
export function VerificationReportView({ report }: { report: VerificationReport }) {
  const reasons = Object.entries(report.removed_by_kind).filter(([, n]) => n > 0);
  const removedCount = report.removed.length || reasons.reduce((sum, [, n]) => sum + n, 0);
  return (
    <div className="space-y-4 text-sm">
      <dl className="grid grid-cols-3 gap-2">
        <Stat label="Checked" value={report.claims_checked} testId="claims-checked" />
        <Stat label="Kept" value={report.claims_kept} testId="claims-kept" />
        <Stat label="Removed" value={removedCount} testId="claims-removed" />
      </dl>
      <p className="text-xs text-slate-500 dark:text-slate-400">
        Checked against the commit: {report.paths_checked} paths, {report.citations_checked} citations, {report.symbols_checked} symbols,{' '}
        {report.technologies_checked} technologies.
      </p>
      {reasons.length > 0 && (
        <div>
          <h3 className="mb-1 font-medium">Removed, by reason</h3>
          <ul className="space-y-0.5" aria-label="Removed by reason">
            {reasons.map(([reason, n]) => (
              <li key={reason} className="flex justify-between gap-2" data-reason={reason}>
                <span>{reasonLabel(reason)}</span>
                <span className="tabular-nums">{n}</span>
              </li>
            ))}
          </ul>
        </div>
      )}
      {report.removed.length > 0 && (
        <details className="group">
          <summary className="cursor-pointer rounded-sm font-medium focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-amber-500">
            Removed claims ({report.removed.length})
          </summary>
          <ul className="mt-2 space-y-3" aria-label="Removed claims">
            {report.removed.map((claim, i) => (
              <li key={i} className="border-l-2 border-red-300 pl-3 dark:border-red-800">
                <p className="break-words text-slate-700 line-through decoration-red-400/70 dark:text-slate-300">{claim.text}</p>
                <ul className="mt-1 list-disc pl-4 text-xs text-red-800 dark:text-red-300">
                  {removalReasons(claim).map((reason) => (
                    <li key={reason} className="break-words">
                      {reason}
                    </li>
                  ))}
                </ul>
              </li>
            ))}
          </ul>
        </details>
      )}
      {report.rewritten.length > 0 && (
        <div>
          <h3 className="mb-1 font-medium">Corrected paths</h3>
          <ul className="space-y-0.5 text-xs" aria-label="Corrected paths">
            {report.rewritten.map((r, i) => (
              <li key={i} className="break-all font-mono">
                {r.from} → {r.to}
              </li>
            ))}
          </ul>
        </div>
      )}
      {report.claims_checked === 0 && reasons.length === 0 && (
        <p className="text-slate-500 dark:text-slate-400">This version has no verification report.</p>
      )}
    </div>
  );
}
