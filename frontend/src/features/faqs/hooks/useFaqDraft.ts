import { useState } from 'react';
import { checkFaqDraft, type FaqDraft, type FaqDraftErrors } from '../faqForm';

/** An FAQ being written: its fields, and the errors of the last check (a field's clears when it is edited). */
export function useFaqDraft(initial: FaqDraft | (() => FaqDraft)) {
  const [draft, setDraft] = useState(initial);
  const [errors, setErrors] = useState<FaqDraftErrors>({});
  const change = (next: Partial<FaqDraft>) => {
    setDraft((d) => ({ ...d, ...next }));
    setErrors((e) => Object.fromEntries(Object.entries(e).filter(([field]) => !(field in next))));
  };
  /** Checks the draft as the server would; true when it may be sent. */
  const check = (): boolean => {
    const checked = checkFaqDraft(draft);
    setErrors(checked);
    return Object.keys(checked).length === 0;
  };
  return { draft, errors, change, check };
}
