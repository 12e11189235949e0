import type { ReactNode } from 'react';
import type { Repository } from '../../../api/client';
import { SelectField } from '../../../components/Field';

/** A picker of the ready (indexed) repositories, the only ones the assistant answers from. */
export function RepositorySelect({
  repositories,
  value,
  error,
  onChange,
}: {
  repositories: readonly Repository[];
  value: string;
  error?: ReactNode;
  onChange: (id: string) => void;
}) {
  const ready = repositories.filter((r) => r.status === 'ready');
  return (
    <SelectField
      label="Repository"
      value={value}
      error={error}
      hint={ready.length < repositories.length ? 'Only indexed (ready) repositories are listed.' : 'The answers come from its code and docs.'}
      onChange={(e) => onChange(e.target.value)}
    >
      <option value="">Pick a repository</option>
      {ready.map((r) => (
        <option key={r.id} value={r.id}>
          {r.name}
        </option>
      ))}
    </SelectField>
  );
}
