import { useState, type FormEvent } from 'react';
import { Button } from '../../../components/Button';
import { CheckboxField, TextField } from '../../../components/Field';
import { ErrorNotice } from '../../../components/States';
import { useAction } from '../../../hooks/useAction';
import { faqApi } from '../api';
import { checkHelpCentre, helpCentreHref, settingsErrors, settingsRequest, type HelpCentreDraft, type HelpCentreErrors } from '../helpCentre';
import type { HelpCentreView } from '../types';

/** Sets the help centre's title and address, and turns it on or off (owners and admins). */
export function HelpCentreForm({ initial, onSaved }: { initial: HelpCentreDraft; onSaved: (view: HelpCentreView) => void }) {
  const [draft, setDraft] = useState(initial);
  const [errors, setErrors] = useState<HelpCentreErrors>({});
  const [saved, setSaved] = useState(false);
  const save = useAction(async () => {
    try {
      onSaved(await faqApi.helpCentre.set(settingsRequest(draft)));
      setSaved(true);
    } catch (e) {
      const fields = settingsErrors(e);
      if (!fields) throw e;
      setErrors(fields);
    }
  });
  const change = (next: Partial<HelpCentreDraft>) => {
    setDraft((d) => ({ ...d, ...next }));
    setErrors((e) => Object.fromEntries(Object.entries(e).filter(([field]) => !(field in next))));
    setSaved(false);
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const checked = checkHelpCentre(draft);
    setErrors(checked);
    if (Object.keys(checked).length === 0) void save.run();
  };
  const slug = draft.slug.trim().toLowerCase();
  return (
    <form onSubmit={submit} noValidate className="space-y-4">
      <div className="grid gap-3 sm:grid-cols-2">
        <TextField
          label="Title"
          value={draft.title}
          maxLength={220}
          error={errors.title}
          hint="The heading visitors see."
          onChange={(e) => change({ title: e.target.value })}
        />
        <TextField
          label="Address (slug)"
          value={draft.slug}
          maxLength={63}
          autoCapitalize="none"
          spellCheck={false}
          error={errors.slug}
          hint={
            <>
              Lower-case letters, digits and hyphens. The page: <span className="font-mono break-all">{helpCentreHref(slug || '…')}</span>
            </>
          }
          onChange={(e) => change({ slug: e.target.value })}
        />
      </div>
      <CheckboxField
        label="Public: anyone with the link reads the published FAQs"
        hint="Drafts and archived FAQs are never shown. Turn it off to hide the help centre at once."
        checked={draft.enabled}
        onChange={(e) => change({ enabled: e.target.checked })}
      />
      <ErrorNotice error={save.error} />
      <div className="flex flex-wrap items-center gap-3">
        <Button type="submit" busy={save.busy}>
          Save
        </Button>
        {saved && (
          <span role="status" className="text-sm text-emerald-700 dark:text-emerald-400">
            Saved.
          </span>
        )}
      </div>
    </form>
  );
}
