import { useState } from 'react';
import { Link } from 'react-router';
import { Card, PageHeader } from '../../components/Card';
import { ErrorNotice, Loading } from '../../components/States';
import { useAsync } from '../../hooks/useAsync';
import { isManager } from '../../lib/roles';
import { useMe } from '../auth/session';
import { faqApi } from './api';
import { HelpCentreForm } from './components/HelpCentreForm';
import { PublicLinkNotice } from './components/PublicLinkNotice';
import { textLink } from './components/styles';
import { draftFrom } from './helpCentre';
import type { HelpCentreView } from './types';

/** The public help centre: whether it is on and where; owners and admins change it. */
export function FaqHelpCentrePage() {
  const me = useMe();
  const loaded = useAsync((signal) => faqApi.helpCentre.get(signal), []);
  // What the last save answered: newer than what was loaded.
  const [saved, setSaved] = useState<HelpCentreView>();
  const view = saved ?? loaded.data;
  return (
    <div className="space-y-5">
      <PageHeader
        title="Help centre"
        subtitle={
          <Link to="/faqs" className={textLink}>
            All FAQs
          </Link>
        }
      />
      {loaded.error && !view ? (
        <ErrorNotice error={loaded.error} onRetry={loaded.reload} />
      ) : !view ? (
        <Loading label="Loading the help centre…" />
      ) : (
        <>
          <Card title="Public page">
            <PublicLinkNotice settings={view.settings} />
          </Card>
          <Card title="Settings">
            {isManager(me.role) ? (
              <HelpCentreForm initial={draftFrom(view.settings, me.tenant.name)} onSaved={setSaved} />
            ) : (
              <p className="text-sm text-slate-600 dark:text-slate-300">
                {view.settings ? `Titled “${view.settings.title}”. ` : ''}Owners and admins set up the help centre.
              </p>
            )}
          </Card>
        </>
      )}
    </div>
  );
}
