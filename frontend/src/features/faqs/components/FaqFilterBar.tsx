import { useState, type FormEvent } from 'react';
import { Button } from '../../../components/Button';
import { SelectField, TextField } from '../../../components/Field';
import { hasFilters, NO_FILTERS, type FaqFilters } from '../filters';
import { FAQ_STATUSES, type FaqCategory, type FaqStatus } from '../types';
import { CategorySelect } from './CategorySelect';

/**
 * The search box and the filters. Pickers apply at once; typed text (the
 * query, tag, language) applies on Enter or Search, not per keystroke:
 * a search per keystroke would be wasted work. Give it a `key` of the applied
 * filters so it shows them again after they change elsewhere.
 */
export function FaqFilterBar({
  filters,
  categories,
  onApply,
}: {
  filters: FaqFilters;
  categories: readonly FaqCategory[];
  onApply: (next: FaqFilters) => void;
}) {
  const [q, setQ] = useState(filters.q);
  const [tag, setTag] = useState(filters.tag);
  const [language, setLanguage] = useState(filters.language);
  const apply = (changes: Partial<FaqFilters> = {}) => onApply({ ...filters, q: q.trim(), tag: tag.trim(), language: language.trim(), ...changes });
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    apply();
  };
  const searching = Boolean(filters.q);
  const anything = searching || hasFilters(filters);
  return (
    <form onSubmit={onSubmit} role="search" aria-label="FAQs" className="space-y-3">
      <div className="flex items-end gap-2">
        <TextField
          label="Search FAQs"
          type="search"
          className="flex-1"
          placeholder="Words or a whole question, e.g. how do I get a refund?"
          value={q}
          maxLength={1000}
          onChange={(e) => setQ(e.target.value)}
        />
        <Button type="submit">Search</Button>
      </div>
      <div className="grid gap-3 sm:grid-cols-2 lg:grid-cols-[12rem_minmax(0,1fr)_10rem_8rem_auto] lg:items-start">
        <SelectField
          label="Status"
          value={filters.status}
          onChange={(e) => apply({ status: e.target.value as FaqStatus | '' })}
          hint={searching && !filters.status ? 'Search looks at published FAQs unless you pick a status.' : undefined}
        >
          <option value="">{searching ? 'Published (default)' : 'Any status'}</option>
          {FAQ_STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </SelectField>
        <CategorySelect
          label="Category"
          categories={categories}
          noneLabel="Any category"
          value={filters.category}
          onChange={(e) => apply({ category: e.target.value })}
        />
        <TextField label="Tag" placeholder="e.g. billing" value={tag} onChange={(e) => setTag(e.target.value)} />
        <TextField label="Language" placeholder="e.g. en" value={language} onChange={(e) => setLanguage(e.target.value)} />
        {anything && (
          <Button
            variant="ghost"
            className="lg:mt-6"
            onClick={() => {
              setQ('');
              setTag('');
              setLanguage('');
              onApply(NO_FILTERS);
            }}
          >
            Clear
          </Button>
        )}
      </div>
    </form>
  );
}
