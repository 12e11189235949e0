import { Link, useNavigate } from 'react-router';
import { Card, PageHeader } from '../../components/Card';
import { EmptyState, ErrorNotice } from '../../components/States';
import { useAction } from '../../hooks/useAction';
import { isManager } from '../../lib/roles';
import { useMe } from '../auth/session';
import { faqApi } from './api';
import { FaqForm } from './components/FaqForm';
import { textLink } from './components/styles';
import { createRequest, NEW_FAQ_DRAFT } from './faqForm';
import { faqHref } from './format';
import { useFaqCategories } from './hooks/useFaqCategories';
import { useFaqDraft } from './hooks/useFaqDraft';
import type { CreateFaqRequest } from './types';

/** Writes a new FAQ (owners and admins), a draft unless published at once, and opens it. */
export function NewFaqPage() {
  const me = useMe();
  const navigate = useNavigate();
  const categories = useFaqCategories();
  const { draft, errors, change, check } = useFaqDraft(NEW_FAQ_DRAFT);
  const create = useAction(async (body: CreateFaqRequest) => {
    const faq = await faqApi.create(body);
    void navigate(faqHref(faq.id));
  });

  if (!isManager(me.role)) {
    return (
      <div>
        <PageHeader title="New FAQ" />
        <EmptyState title="Only owners and admins write FAQs">
          <Link to="/faqs" className={textLink}>
            Back to FAQs
          </Link>
        </EmptyState>
      </div>
    );
  }

  const submit = () => {
    if (check()) void create.run(createRequest(draft));
  };
  return (
    <div className="space-y-5">
      <PageHeader
        title="New FAQ"
        subtitle={
          <Link to="/faqs" className={textLink}>
            All FAQs
          </Link>
        }
      />
      <Card>
        <FaqForm draft={draft} errors={errors} categories={categories.data ?? []} submitLabel="Create FAQ" busy={create.busy} onChange={change} onSubmit={submit}>
          <ErrorNotice error={categories.error} onRetry={categories.reload} />
          <ErrorNotice error={create.error} />
        </FaqForm>
      </Card>
    </div>
  );
}
