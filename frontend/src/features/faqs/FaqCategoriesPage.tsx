import { Link } from 'react-router';
import { Card, PageHeader } from '../../components/Card';
import { EmptyState, ErrorNotice, Loading } from '../../components/States';
import { isManager } from '../../lib/roles';
import { useMe } from '../auth/session';
import { CategoryTree } from './components/CategoryTree';
import { NewCategoryForm } from './components/NewCategoryForm';
import { textLink } from './components/styles';
import { useFaqCategories } from './hooks/useFaqCategories';

/** The FAQ categories as a tree; owners and admins add, rename, move and delete them. */
export function FaqCategoriesPage() {
  const me = useMe();
  const canEdit = isManager(me.role);
  const categories = useFaqCategories();
  return (
    <div className="space-y-5">
      <PageHeader
        title="FAQ categories"
        subtitle={
          <Link to="/faqs" className={textLink}>
            All FAQs
          </Link>
        }
      />
      <Card title="Categories">
        {categories.error ? (
          <ErrorNotice error={categories.error} onRetry={categories.reload} />
        ) : !categories.data ? (
          <Loading label="Loading the categories…" />
        ) : categories.data.length === 0 ? (
          <EmptyState title="No categories yet">
            {canEdit ? 'Add one below, e.g. Billing or Accounts, then file FAQs under it.' : 'Owners and admins add categories; they show here.'}
          </EmptyState>
        ) : (
          <div aria-busy={categories.loading}>
            <CategoryTree categories={categories.data} canEdit={canEdit} onChanged={categories.reload} />
            <p className="mt-3 text-xs text-slate-500 dark:text-slate-400">
              A category with subcategories or FAQs cannot be deleted: move or delete those first.
            </p>
          </div>
        )}
      </Card>
      {canEdit && (
        <Card title="Add a category">
          <NewCategoryForm categories={categories.data ?? []} onAdded={categories.reload} />
        </Card>
      )}
    </div>
  );
}
