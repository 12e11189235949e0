import { useState, type FormEvent } from 'react';
import { api, type Credential, type CredentialKind } from '../../api/client';
import { Button } from '../../components/Button';
import { Card } from '../../components/Card';
import { ConfirmButton } from '../../components/ConfirmButton';
import { SelectField, TextArea, TextField } from '../../components/Field';
import { EmptyState, ErrorNotice, Loading } from '../../components/States';
import { useAction } from '../../hooks/useAction';
import { useAsync } from '../../hooks/useAsync';
import { formatDateTime, formatRelative } from '../../lib/format';
import { isManager } from '../../lib/roles';
import { useMe } from '../auth/session';
import {
  CREDENTIAL_KINDS,
  DEFAULT_GIT_USERNAME,
  EMPTY_CREDENTIAL_DRAFT,
  checkCredentialDraft,
  credentialFieldErrors,
  credentialRequest,
  kindLabel,
  type CredentialDraft,
  type CredentialFieldErrors,
} from './credentialForm';

function CredentialRow({ credential, onDeleted }: { credential: Credential; onDeleted: () => void }) {
  const remove = useAction(async () => {
    await api.credentials.remove(credential.id);
    onDeleted();
  });
  const kind = kindLabel(credential.kind);
  return (
    <li className="py-3">
      <div className="flex flex-wrap items-center gap-3">
        <div className="min-w-0 flex-1">
          <p className="text-sm font-medium">
            <span className="rounded-full bg-slate-100 px-2 py-0.5 text-xs font-normal dark:bg-slate-800">{kind}</span>{' '}
            <code className="font-mono">{credential.host}</code>
            {credential.label && <span className="text-slate-600 dark:text-slate-300"> · {credential.label}</span>}
          </p>
          <p className="text-xs text-slate-500 dark:text-slate-400">
            {credential.kind === 'git_token' && (
              <>
                user <code className="font-mono">{credential.username ?? DEFAULT_GIT_USERNAME}</code> ·{' '}
              </>
            )}
            created {formatDateTime(credential.created_at)} · last used{' '}
            {credential.last_used_at ? formatRelative(credential.last_used_at) : 'never'}
          </p>
        </div>
        <ConfirmButton confirmLabel={`Delete ${kind.toLowerCase()} for ${credential.host}`} onConfirm={() => void remove.run()} busy={remove.busy}>
          Delete
        </ConfirmButton>
      </div>
      <div className="mt-2 empty:hidden">
        <ErrorNotice error={remove.error} />
      </div>
    </li>
  );
}

function AddCredential({ onAdded }: { onAdded: () => void }) {
  const [draft, setDraft] = useState<CredentialDraft>(EMPTY_CREDENTIAL_DRAFT);
  const [fieldErrors, setFieldErrors] = useState<CredentialFieldErrors>({});
  const [saved, setSaved] = useState<string | null>(null);
  const add = useAction(async () => {
    const created = await api.credentials.create(credentialRequest(draft));
    setSaved(`${kindLabel(created.kind)} for ${created.host} saved.`);
    // The secret leaves the page once sent; the kind and host stay for the next one.
    setDraft((d) => ({ ...d, label: '', username: '', secret: '' }));
    onAdded();
  });
  const change = (patch: Partial<CredentialDraft>) => {
    setDraft((d) => ({ ...d, ...patch }));
    setFieldErrors((e) => Object.fromEntries(Object.entries(e).filter(([field]) => !(field in patch))));
    setSaved(null);
  };
  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    const checked = checkCredentialDraft(draft);
    setFieldErrors(checked);
    setSaved(null);
    if (Object.keys(checked).length > 0) return;
    await add.run();
  };
  const apiFieldErrors = credentialFieldErrors(add.error);
  const errors = { ...fieldErrors, ...apiFieldErrors };
  const token = draft.kind === 'git_token';
  return (
    <form onSubmit={(e) => void onSubmit(e)} noValidate className="mb-4 space-y-3" aria-label="Add a credential">
      <div className="grid gap-3 sm:grid-cols-[10rem_1fr_1fr] sm:items-start">
        <SelectField
          label="Kind"
          value={draft.kind}
          // A token is not a key: switching kinds drops what was pasted.
          onChange={(e) => {
            add.clearError();
            change({ kind: e.target.value as CredentialKind, secret: '' });
          }}
        >
          {CREDENTIAL_KINDS.map((k) => (
            <option key={k} value={k}>
              {kindLabel(k)}
            </option>
          ))}
        </SelectField>
        <TextField
          label="Host"
          placeholder="github.com"
          autoComplete="off"
          spellCheck={false}
          maxLength={253}
          value={draft.host}
          error={errors.host}
          onChange={(e) => change({ host: e.target.value })}
        />
        <TextField
          label="Label"
          placeholder="e.g. CI bot token"
          maxLength={100}
          value={draft.label}
          error={errors.label}
          onChange={(e) => change({ label: e.target.value })}
        />
      </div>
      {token ? (
        <div className="grid gap-3 sm:grid-cols-[1fr_2fr] sm:items-start">
          <TextField
            label="Username"
            placeholder={DEFAULT_GIT_USERNAME}
            autoComplete="off"
            spellCheck={false}
            maxLength={100}
            value={draft.username}
            error={errors.username}
            hint={`Sent with the token; empty means ${DEFAULT_GIT_USERNAME}.`}
            onChange={(e) => change({ username: e.target.value })}
          />
          <TextField
            label="Token"
            type="password"
            autoComplete="new-password"
            spellCheck={false}
            value={draft.secret}
            error={errors.secret}
            onChange={(e) => change({ secret: e.target.value })}
          />
        </div>
      ) : (
        <TextArea
          label="Private key"
          rows={6}
          autoComplete="off"
          spellCheck={false}
          placeholder={'-----BEGIN OPENSSH PRIVATE KEY-----\n…\n-----END OPENSSH PRIVATE KEY-----'}
          value={draft.secret}
          error={errors.secret}
          hint="An unencrypted private key (OpenSSH or PEM). Add its public key to the forge as a deploy key."
          onChange={(e) => change({ secret: e.target.value })}
        />
      )}
      <div className="flex flex-wrap items-center gap-3">
        <Button type="submit" busy={add.busy}>
          Add credential
        </Button>
        {saved && (
          <p role="status" className="text-sm text-emerald-700 dark:text-emerald-300">
            {saved}
          </p>
        )}
      </div>
      {!apiFieldErrors && <ErrorNotice error={add.error} />}
    </form>
  );
}

function ManageCredentials() {
  const credentials = useAsync((signal) => api.credentials.list(signal), []);
  return (
    <>
      <AddCredential onAdded={credentials.reload} />
      {credentials.error ? (
        <ErrorNotice error={credentials.error} onRetry={credentials.reload} />
      ) : !credentials.data ? (
        <Loading />
      ) : credentials.data.length === 0 ? (
        <EmptyState title="No credentials yet" />
      ) : (
        <ul className="divide-y divide-slate-200 border-t border-slate-200 dark:divide-slate-800 dark:border-slate-800" aria-label="Credentials">
          {credentials.data.map((c) => (
            <CredentialRow key={c.id} credential={c} onDeleted={credentials.reload} />
          ))}
        </ul>
      )}
    </>
  );
}

export function CredentialsSection() {
  const me = useMe();
  return (
    <Card title="Credentials">
      {isManager(me.role) ? (
        <>
          <div className="mb-4 space-y-1 text-sm text-slate-600 dark:text-slate-300">
            <p>
              A <strong className="font-medium">git token</strong> lets the agents clone this organisation’s private repositories on
              that host over https and open pull requests there. An <strong className="font-medium">SSH key</strong> is for{' '}
              <code className="font-mono text-xs">ssh://</code> and <code className="font-mono text-xs">git@host:</code> repositories;
              the server never uses its own keys.
            </p>
            <p className="text-xs text-slate-500 dark:text-slate-400">
              The secret is stored encrypted and never shown again. The newest credential of a kind for a host is the one used.
            </p>
          </div>
          <ManageCredentials />
        </>
      ) : (
        <p className="text-sm text-slate-600 dark:text-slate-300">Owners and admins manage the organisation’s git tokens and SSH keys.</p>
      )}
    </Card>
  );
}
