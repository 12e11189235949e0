import { useState, type FormEvent } from 'react';
import { Button } from '../../../components/Button';
import { TextField } from '../../../components/Field';

/** The help centre's search box; searches on Enter or the button (each search is counted as a question asked). */
export function HelpSearchForm({ initial, onSearch }: { initial: string; onSearch: (q: string) => void }) {
  const [q, setQ] = useState(initial);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onSearch(q.trim());
  };
  return (
    <form onSubmit={submit} role="search" aria-label="Help centre" className="flex items-end gap-2">
      <TextField
        label="Search the help centre"
        type="search"
        className="flex-1"
        placeholder="Ask a question, e.g. how do I get a refund?"
        value={q}
        maxLength={1000}
        onChange={(e) => setQ(e.target.value)}
      />
      <Button type="submit">Search</Button>
    </form>
  );
}
