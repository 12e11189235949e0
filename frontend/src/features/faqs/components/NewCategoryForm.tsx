import { useState, type FormEvent } from 'react';
import { Button } from '../../../components/Button';
import { TextField } from '../../../components/Field';
import { ErrorNotice } from '../../../components/States';
import { useAction } from '../../../hooks/useAction';
import { faqApi } from '../api';
import { explainCategoryError } from '../categoryErrors';
import type { FaqCategory } from '../types';
import { CategorySelect } from './CategorySelect';

/** Adds a category at the top level or under another. */
export function NewCategoryForm({ categories, onAdded }: { categories: readonly FaqCategory[]; onAdded: () => void }) {
  const [name, setName] = useState('');
  const [parentId, setParentId] = useState('');
  const [nameError, setNameError] = useState<string>();
  const add = useAction(async () => {
    await faqApi.categories.create({ name: name.trim(), parent_id: parentId || null });
    setName('');
    onAdded();
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!name.trim()) {
      setNameError('Give the category a name.');
      return;
    }
    void add.run();
  };
  return (
    <form onSubmit={submit} noValidate className="space-y-3">
      <div className="grid gap-3 sm:grid-cols-[1fr_1fr_auto] sm:items-start">
        <TextField
          label="Name"
          value={name}
          maxLength={200}
          error={nameError}
          placeholder="e.g. Billing"
          onChange={(e) => {
            setName(e.target.value);
            setNameError(undefined);
          }}
        />
        <CategorySelect label="Under" categories={categories} noneLabel="Top level" value={parentId} onChange={(e) => setParentId(e.target.value)} />
        <Button type="submit" busy={add.busy} className="sm:mt-6">
          Add category
        </Button>
      </div>
      <ErrorNotice error={explainCategoryError(add.error)} />
    </form>
  );
}
