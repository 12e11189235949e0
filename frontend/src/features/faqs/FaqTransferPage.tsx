import { Link } from 'react-router';
import { Card, PageHeader } from '../../components/Card';
import { isManager } from '../../lib/roles';
import { useMe } from '../auth/session';
import { ExportPanel } from './components/ExportPanel';
import { ImportForm } from './components/ImportForm';
import { textLink } from './components/styles';

/** FAQs in and out as files: owners and admins import (checked first), everyone exports. */
export function FaqTransferPage() {
  const me = useMe();
  return (
    <div className="space-y-5">
      <PageHeader
        title="Import and export FAQs"
        subtitle={
          <Link to="/faqs" className={textLink}>
            All FAQs
          </Link>
        }
      />
      <Card title="Import">
        {isManager(me.role) ? (
          <ImportForm />
        ) : (
          <p className="text-sm text-slate-600 dark:text-slate-300">Owners and admins import FAQs. You can export them below.</p>
        )}
      </Card>
      <Card title="Export">
        <ExportPanel />
      </Card>
    </div>
  );
}
