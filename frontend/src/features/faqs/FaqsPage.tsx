import { Link, useSearchParams } from 'react-router';
import { Card, PageHeader } from '../../components/Card';
import { ErrorNotice } from '../../components/States';
import { isManager } from '../../lib/roles';
import { useMe } from '../auth/session';
import { FaqBrowseList } from './components/FaqBrowseList';
import { FaqFilterBar } from './components/FaqFilterBar';
import { FaqSearchResults } from './components/FaqSearchResults';
import { primaryLinkButton, secondaryLinkButton } from './components/styles';
import { filtersToParams, readFilters, type FaqFilters } from './filters';
import { useFaqCategories } from './hooks/useFaqCategories';

/** The FAQ knowledge base: search it, or browse it by status, category, tag and language. */
export function FaqsPage() {
  const me = useMe();
  const canEdit = isManager(me.role);
  const [params, setParams] = useSearchParams();
  const filters = readFilters(params);
  const categories = useFaqCategories();
  const categoryList = categories.data ?? [];
  const apply = (next: FaqFilters) => setParams(filtersToParams(next), { replace: true });
  return (
    <div className="space-y-5">
      <PageHeader
        title="FAQs"
        subtitle="Your organisation's questions and answers: the assistant answers with the published ones."
        actions={
          <>
            <Link to="/faqs/review" className={secondaryLinkButton}>
              Review
            </Link>
            <Link to="/faqs/analytics" className={secondaryLinkButton}>
              Analytics
            </Link>
            <Link to="/faqs/categories" className={secondaryLinkButton}>
              Categories
            </Link>
            <Link to="/faqs/transfer" className={secondaryLinkButton}>
              Import / export
            </Link>
            <Link to="/faqs/help-centre" className={secondaryLinkButton}>
              Help centre
            </Link>
            {canEdit && (
              <Link to="/faqs/new" className={primaryLinkButton}>
                New FAQ
              </Link>
            )}
          </>
        }
      />
      <Card>
        <FaqFilterBar key={JSON.stringify(filters)} filters={filters} categories={categoryList} onApply={apply} />
        {categories.error !== undefined && (
          <div className="mt-3">
            <ErrorNotice error={categories.error} onRetry={categories.reload} />
          </div>
        )}
        <div className="mt-5">
          {filters.q ? (
            <FaqSearchResults filters={filters} categories={categoryList} />
          ) : (
            <FaqBrowseList filters={filters} categories={categoryList} canEdit={canEdit} />
          )}
        </div>
      </Card>
    </div>
  );
}
