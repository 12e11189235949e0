import { categoryTree } from '../categoryTree';
import type { FaqCategory } from '../types';
import { CategoryItem } from './CategoryItem';

/** The categories as an indented tree. */
export function CategoryTree({ categories, canEdit, onChanged }: { categories: readonly FaqCategory[]; canEdit: boolean; onChanged: () => void }) {
  return (
    <ul className="divide-y divide-slate-100 dark:divide-slate-800" aria-label="Categories">
      {categoryTree(categories).map((node) => (
        <CategoryItem key={node.category.id} node={node} categories={categories} canEdit={canEdit} onChanged={onChanged} />
      ))}
    </ul>
  );
}
