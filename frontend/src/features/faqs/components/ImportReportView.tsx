import { Link } from 'react-router';
import { formatCount } from '../format';
import { reportSummary } from '../transfer';
import type { ImportReport } from '../types';
import { StatTile } from './StatTile';
import { textLink } from './styles';

/** What an import did, or what a dry run found it would do. */
export function ImportReportView({ report }: { report: ImportReport }) {
  const tone = report.dry_run
    ? 'border-sky-300 bg-sky-50 text-sky-950 dark:border-sky-800 dark:bg-sky-950/50 dark:text-sky-100'
    : 'border-emerald-300 bg-emerald-50 text-emerald-950 dark:border-emerald-800 dark:bg-emerald-950/50 dark:text-emerald-100';
  return (
    <div role="status" className={`space-y-3 rounded-md border px-4 py-3 text-sm ${tone}`} data-testid="import-report">
      <p className="font-semibold">{report.dry_run ? 'Checked: nothing was imported' : 'Imported'}</p>
      <p>{reportSummary(report)}</p>
      <dl className="grid grid-cols-2 gap-2 sm:grid-cols-4" aria-label={report.dry_run ? 'What the import would do' : 'What the import did'}>
        <StatTile label="In the file" value={formatCount(report.records)} testId="import-records" />
        <StatTile label={report.dry_run ? 'Would be created' : 'Created'} value={formatCount(report.created)} testId="import-created" />
        <StatTile label={report.dry_run ? 'Would be updated' : 'Updated'} value={formatCount(report.updated)} testId="import-updated" />
        <StatTile label="Unchanged" value={formatCount(report.unchanged)} testId="import-unchanged" />
      </dl>
      {!report.dry_run && report.created + report.updated > 0 && (
        <Link to="/faqs" className={textLink}>
          See the FAQs
        </Link>
      )}
    </div>
  );
}
