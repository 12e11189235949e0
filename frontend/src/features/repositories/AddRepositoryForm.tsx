import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { api } from '../../api/client';
import { Button } from '../../components/Button';
import { TextField } from '../../components/Field';
import { ErrorNotice } from '../../components/States';
import { useAction } from '../../hooks/useAction';
import { checkRepoDraft, repoFieldErrors, type RepoFieldErrors } from './repoForm';

/** Registers a repository and opens its page, where its first index run shows. */
export function AddRepositoryForm() {
  const navigate = useNavigate();
  const [name, setName] = useState('');
  const [source, setSource] = useState('');
  const [fieldErrors, setFieldErrors] = useState<RepoFieldErrors>({});
  const add = useAction(async () => {
    const created = await api.repositories.create({ name: name.trim(), source: source.trim() });
    void navigate(`/repositories/${created.repository.id}`);
  });
  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    const checked = checkRepoDraft({ name, source });
    setFieldErrors(checked);
    if (Object.keys(checked).length > 0) return;
    await add.run();
  };
  const apiFieldErrors = repoFieldErrors(add.error);
  const errors = { ...fieldErrors, ...apiFieldErrors };
  return (
    <form onSubmit={(e) => void onSubmit(e)} noValidate className="grid gap-3 sm:grid-cols-[14rem_1fr_auto] sm:items-start">
      <TextField
        label="Name"
        placeholder="e.g. backend"
        maxLength={100}
        value={name}
        error={errors.name}
        onChange={(e) => setName(e.target.value)}
      />
      <TextField
        label="Source"
        placeholder="https://github.com/org/repo.git or /srv/repos/repo"
        value={source}
        error={errors.source}
        hint="A git URL (https, ssh, git@host:path) or, when the server allows it, a directory on the server."
        onChange={(e) => setSource(e.target.value)}
      />
      <Button type="submit" busy={add.busy} className="sm:mt-6">
        Add repository
      </Button>
      {!apiFieldErrors && (
        <div className="sm:col-span-3 empty:hidden">
          <ErrorNotice error={add.error} />
        </div>
      )}
    </form>
  );
}
