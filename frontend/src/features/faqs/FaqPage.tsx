import { useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { Card, PageHeader } from '../../components/Card';
import { ConfirmButton } from '../../components/ConfirmButton';
import { ErrorNotice, Loading } from '../../components/States';
import { useAction } from '../../hooks/useAction';
import { useAsync } from '../../hooks/useAsync';
import { isManager } from '../../lib/roles';
import { useMe } from '../auth/session';
import { faqApi } from './api';
import { FaqAnswerView } from './components/FaqAnswerView';
import { FaqCounters } from './components/FaqCounters';
import { FaqDetails } from './components/FaqDetails';
import { FaqEditForm } from './components/FaqEditForm';
import { FaqStatusBadge } from './components/FaqStatusBadge';
import { FaqVersionChanges } from './components/FaqVersionChanges';
import { FaqVersionList } from './components/FaqVersionList';
import { textLink } from './components/styles';
import { positiveInt } from './format';
import { useFaqCategories } from './hooks/useFaqCategories';
import { useMemberEmails } from './hooks/useMemberEmails';
import type { Faq } from './types';

/**
 * One FAQ: owners and admins edit it (each save a new version), others read
 * it; its counters, its versions and what each changed; delete.
 */
export function FaqPage() {
  const { faqId = '' } = useParams();
  const [params] = useSearchParams();
  const me = useMe();
  const canEdit = isManager(me.role);
  const navigate = useNavigate();
  const loaded = useAsync((signal) => faqApi.get(faqId, signal), [faqId]);
  const versions = useAsync((signal) => faqApi.versions(faqId, signal), [faqId]);
  const categories = useFaqCategories();
  const emails = useMemberEmails();
  // What a save answered, until a reload brings something as new.
  const [saved, setSaved] = useState<Faq>();
  const [notice, setNotice] = useState<string>();
  const remove = useAction(async () => {
    await faqApi.remove(faqId);
    void navigate('/faqs', { replace: true });
  });

  const fresh = loaded.data?.id === faqId ? loaded.data : undefined;
  const faq = saved?.id === faqId && (!fresh || saved.version >= fresh.version) ? saved : fresh;
  const from = positiveInt(params.get('from'));
  const to = positiveInt(params.get('to'));
  const comparing = from !== undefined && to !== undefined && from !== to ? { from, to } : undefined;

  if (loaded.error && !faq) {
    return (
      <div className="space-y-4">
        <PageHeader title="FAQ" />
        <ErrorNotice error={loaded.error} onRetry={loaded.reload} />
        <Link to="/faqs" className={`text-sm ${textLink}`}>
          Back to FAQs
        </Link>
      </div>
    );
  }
  if (!faq) return <Loading label="Loading the FAQ…" />;

  const onSaved = (next: Faq) => {
    setNotice(next.version > faq.version ? `Saved as version ${next.version}.` : 'Nothing changed: the FAQ already said this.');
    setSaved(next);
    versions.reload();
  };
  const loadLatest = () => {
    setSaved(undefined);
    setNotice(undefined);
    loaded.reload();
    versions.reload();
  };
  return (
    <div className="space-y-5">
      <PageHeader
        title={faq.question}
        subtitle={
          <span className="flex flex-wrap items-center gap-x-3 gap-y-1">
            <Link to="/faqs" className={textLink}>
              All FAQs
            </Link>
            <FaqStatusBadge status={faq.status} />
            <span data-testid="faq-version">Version {faq.version}</span>
          </span>
        }
        actions={
          canEdit ? (
            <ConfirmButton confirmLabel="Delete this FAQ" onConfirm={() => void remove.run()} busy={remove.busy}>
              Delete
            </ConfirmButton>
          ) : undefined
        }
      />
      <ErrorNotice error={remove.error} />

      <div className="grid gap-5 lg:grid-cols-3">
        <div className="min-w-0 space-y-5 lg:col-span-2">
          {comparing && (
            <Card title={`Changes from version ${comparing.from} to ${comparing.to}`}>
              <FaqVersionChanges faqId={faq.id} from={comparing.from} to={comparing.to} />
            </Card>
          )}
          {canEdit ? (
            <Card title="Edit">
              {notice && (
                <p role="status" className="mb-3 text-sm font-medium text-emerald-700 dark:text-emerald-400">
                  {notice}
                </p>
              )}
              <FaqEditForm
                key={`${faq.id}:${faq.version}`}
                faq={faq}
                categories={categories.data ?? []}
                onSaved={onSaved}
                onLoadLatest={loadLatest}
              />
            </Card>
          ) : (
            <Card title="Answer">
              <FaqAnswerView answer={faq.answer} />
            </Card>
          )}
        </div>

        <aside className="min-w-0 space-y-5" aria-label="About this FAQ">
          <Card title="Counters">
            <FaqCounters faq={faq} />
          </Card>
          <Card title="Details">
            <FaqDetails faq={faq} categories={categories.data ?? []} />
          </Card>
          <Card title="History">
            {versions.error ? (
              <ErrorNotice error={versions.error} onRetry={versions.reload} />
            ) : !versions.data ? (
              <Loading />
            ) : (
              <FaqVersionList faqId={faq.id} versions={versions.data} current={faq.version} emails={emails} comparing={comparing} />
            )}
          </Card>
        </aside>
      </div>
    </div>
  );
}
