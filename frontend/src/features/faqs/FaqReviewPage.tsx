import { useState } from 'react';
import { Link } from 'react-router';
import { Card, PageHeader } from '../../components/Card';
import { ErrorNotice, Loading } from '../../components/States';
import { atLeast, isManager } from '../../lib/roles';
import { useMe } from '../auth/session';
import { GenerateFaqsForm } from './components/GenerateFaqsForm';
import { ReviewQueue } from './components/ReviewQueue';
import { textLink } from './components/styles';
import { SuggestionList } from './components/SuggestionList';
import { useFaqCategories } from './hooks/useFaqCategories';
import { useRepositories } from './hooks/useRepositories';

/**
 * Where FAQs the assistant drafts are decided: the drafts to review, the
 * questions people asked that nothing answered, and a form to draft more
 * from a repository.
 */
export function FaqReviewPage() {
  const me = useMe();
  const canDecide = isManager(me.role);
  const categories = useFaqCategories();
  const repositories = useRepositories();
  const [queueKey, setQueueKey] = useState(0);
  const reloadQueue = () => setQueueKey((k) => k + 1);
  return (
    <div className="space-y-5">
      <PageHeader
        title="Review FAQs"
        subtitle={
          <Link to="/faqs" className={textLink}>
            All FAQs
          </Link>
        }
      />
      <Card title="Drafts to review">
        <ReviewQueue canDecide={canDecide} refreshKey={queueKey} />
      </Card>
      <Card title="Suggested from unanswered questions">
        <SuggestionList canDecide={canDecide} repositories={repositories.data ?? []} categories={categories.data ?? []} onDraftSaved={reloadQueue} />
      </Card>
      {atLeast(me.role, 'member') && (
        <Card title="Generate FAQs from a repository">
          {repositories.error ? (
            <ErrorNotice error={repositories.error} onRetry={repositories.reload} />
          ) : !repositories.data ? (
            <Loading label="Loading the repositories…" />
          ) : (
            <GenerateFaqsForm repositories={repositories.data} categories={categories.data ?? []} />
          )}
        </Card>
      )}
    </div>
  );
}
