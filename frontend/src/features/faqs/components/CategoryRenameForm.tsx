import { useState, type FormEvent } from 'react';
import { Button } from '../../../components/Button';
import { TextField } from '../../../components/Field';
import { ErrorNotice } from '../../../components/States';
import { useAction } from '../../../hooks/useAction';
import { faqApi } from '../api';
import { explainCategoryError } from '../categoryErrors';
import type { FaqCategory } from '../types';

/** Renames a category, in place. */
export function CategoryRenameForm({ category, onDone, onCancel }: { category: FaqCategory; onDone: () => void; onCancel: () => void }) {
  const [name, setName] = useState(category.name);
  const rename = useAction(async (next: string) => {
    await faqApi.categories.update(category.id, { name: next });
    onDone();
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const next = name.trim();
    if (!next || next === category.name) onCancel();
    else void rename.run(next);
  };
  return (
    <form onSubmit={submit} className="mt-2 space-y-2">
      <div className="flex flex-wrap items-end gap-2">
        <TextField label={`New name for ${category.name}`} value={name} maxLength={200} autoFocus onChange={(e) => setName(e.target.value)} className="min-w-48 flex-1" />
        <Button type="submit" busy={rename.busy}>
          Save name
        </Button>
        <Button variant="ghost" onClick={onCancel}>
          Cancel
        </Button>
      </div>
      <ErrorNotice error={explainCategoryError(rename.error)} />
    </form>
  );
}
