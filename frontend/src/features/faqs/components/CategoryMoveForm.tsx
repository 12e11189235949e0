import { useState, type FormEvent } from 'react';
import { Button } from '../../../components/Button';
import { ErrorNotice } from '../../../components/States';
import { useAction } from '../../../hooks/useAction';
import { faqApi } from '../api';
import { explainCategoryError } from '../categoryErrors';
import { subtreeIds } from '../categoryTree';
import type { FaqCategory } from '../types';
import { CategorySelect } from './CategorySelect';

/** Moves a category (with its subtree) under another, or to the top level; not under itself. */
export function CategoryMoveForm({
  category,
  categories,
  onDone,
  onCancel,
}: {
  category: FaqCategory;
  categories: readonly FaqCategory[];
  onDone: () => void;
  onCancel: () => void;
}) {
  const [parentId, setParentId] = useState(category.parent_id ?? '');
  const move = useAction(async (parent: string) => {
    await faqApi.categories.update(category.id, { parent_id: parent || null });
    onDone();
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (parentId === (category.parent_id ?? '')) onCancel();
    else void move.run(parentId);
  };
  return (
    <form onSubmit={submit} className="mt-2 space-y-2">
      <div className="flex flex-wrap items-end gap-2">
        <CategorySelect
          label={`Move ${category.name} under`}
          categories={categories}
          noneLabel="Top level"
          exclude={subtreeIds(categories, category.id)}
          value={parentId}
          onChange={(e) => setParentId(e.target.value)}
          className="min-w-48 flex-1"
        />
        <Button type="submit" busy={move.busy}>
          Move
        </Button>
        <Button variant="ghost" onClick={onCancel}>
          Cancel
        </Button>
      </div>
      <ErrorNotice error={explainCategoryError(move.error)} />
    </form>
  );
}
