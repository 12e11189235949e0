import { useState } from 'react';
import { ApiError } from '../../../api/client';
import { ErrorNotice } from '../../../components/States';
import { useAction } from '../../../hooks/useAction';
import { faqApi } from '../api';
import { draftOf, faqChanges } from '../faqForm';
import { useFaqDraft } from '../hooks/useFaqDraft';
import type { Faq, FaqCategory, UpdateFaqRequest } from '../types';
import { EditConflictNotice } from './EditConflictNotice';
import { FaqForm } from './FaqForm';

/**
 * Edits an FAQ at the version shown: sends only what changed, with that
 * version as `expected_version`, so a save on top of someone else's is
 * refused (409) and said so. Key it by the FAQ's version: a new version
 * starts a fresh draft.
 */
export function FaqEditForm({
  faq,
  categories,
  onSaved,
  onLoadLatest,
}: {
  faq: Faq;
  categories: readonly FaqCategory[];
  onSaved: (saved: Faq) => void;
  onLoadLatest: () => void;
}) {
  const { draft, errors, change, check } = useFaqDraft(() => draftOf(faq));
  const [conflict, setConflict] = useState(false);
  const save = useAction(async (changes: UpdateFaqRequest) => {
    try {
      onSaved(await faqApi.update(faq.id, { ...changes, expected_version: faq.version }));
    } catch (e) {
      if (e instanceof ApiError && e.status === 409) {
        setConflict(true);
        return;
      }
      throw e;
    }
  });
  const changes = faqChanges(faq, draft);
  const dirty = Object.keys(changes).length > 0;

  const submit = () => {
    if (dirty && check()) void save.run(changes);
  };
  return (
    <FaqForm
      draft={draft}
      errors={errors}
      categories={categories}
      submitLabel="Save changes"
      busy={save.busy}
      submitDisabled={!dirty}
      status={
        <span className="text-xs text-slate-500 dark:text-slate-400" data-testid="draft-state">
          {dirty ? 'Unsaved changes' : 'No changes to save'}
        </span>
      }
      onChange={change}
      onSubmit={submit}
    >
      {conflict ? <EditConflictNotice version={faq.version} onLoadLatest={onLoadLatest} /> : <ErrorNotice error={save.error} />}
    </FaqForm>
  );
}
