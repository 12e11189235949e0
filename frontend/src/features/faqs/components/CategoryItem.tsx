import { useState } from 'react';
import { Link } from 'react-router';
import { Button, focusRing } from '../../../components/Button';
import { ConfirmButton } from '../../../components/ConfirmButton';
import { ErrorNotice } from '../../../components/States';
import { useAction } from '../../../hooks/useAction';
import { faqApi } from '../api';
import { explainCategoryError } from '../categoryErrors';
import type { CategoryNode } from '../categoryTree';
import { categoryFaqsHref } from '../format';
import type { FaqCategory } from '../types';
import { CategoryMoveForm } from './CategoryMoveForm';
import { CategoryRenameForm } from './CategoryRenameForm';

/** One category in the tree: its name (opening its FAQs) and, for editors, rename, move and delete. */
export function CategoryItem({
  node,
  categories,
  canEdit,
  onChanged,
}: {
  node: CategoryNode;
  categories: readonly FaqCategory[];
  canEdit: boolean;
  onChanged: () => void;
}) {
  const { category, depth } = node;
  const [editing, setEditing] = useState<'rename' | 'move' | null>(null);
  const remove = useAction(async () => {
    await faqApi.categories.remove(category.id);
    onChanged();
  });
  const done = () => {
    setEditing(null);
    onChanged();
  };
  return (
    <li className="py-2" data-category-id={category.id} style={{ paddingLeft: `${depth * 1.5}rem` }}>
      <div className="flex flex-wrap items-center gap-2">
        <span aria-hidden className="text-slate-400">
          {depth > 0 ? '└' : '•'}
        </span>
        <Link to={categoryFaqsHref(category.id)} className={`flex-1 font-medium hover:underline ${focusRing} rounded-sm`}>
          {category.name}
        </Link>
        {canEdit && editing === null && (
          <span className="flex flex-wrap gap-1">
            <Button variant="ghost" onClick={() => setEditing('rename')} aria-label={`Rename ${category.name}`}>
              Rename
            </Button>
            <Button variant="ghost" onClick={() => setEditing('move')} aria-label={`Move ${category.name}`}>
              Move
            </Button>
            <ConfirmButton confirmLabel={`Delete ${category.name}`} onConfirm={() => void remove.run()} busy={remove.busy}>
              Delete
            </ConfirmButton>
          </span>
        )}
      </div>
      {editing === 'rename' && <CategoryRenameForm category={category} onDone={done} onCancel={() => setEditing(null)} />}
      {editing === 'move' && <CategoryMoveForm category={category} categories={categories} onDone={done} onCancel={() => setEditing(null)} />}
      <div className="mt-2 empty:hidden">
        <ErrorNotice error={explainCategoryError(remove.error)} />
      </div>
    </li>
  );
}
