import { useState, type FormEvent } from 'react';
import { api, type ApiKey, type CreatedApiKey, type Role } from '../../api/client';
import { Button } from '../../components/Button';
import { Card } from '../../components/Card';
import { ConfirmButton } from '../../components/ConfirmButton';
import { SelectField, TextField } from '../../components/Field';
import { EmptyState, ErrorNotice, Loading } from '../../components/States';
import { useAction } from '../../hooks/useAction';
import { useAsync } from '../../hooks/useAsync';
import { formatDateTime, formatRelative } from '../../lib/format';
import { ROLES, atLeast } from '../../lib/roles';
import { useMe } from '../auth/session';

/** The secret of a key just created: shown here once, never again. */
function NewSecret({ created, onDone }: { created: CreatedApiKey; onDone: () => void }) {
  const [copied, setCopied] = useState(false);
  return (
    <div
      role="status"
      className="mb-4 rounded-md border border-emerald-300 bg-emerald-50 p-4 text-sm dark:border-emerald-800 dark:bg-emerald-950/50"
    >
      <p className="font-semibold">Key “{created.name}” created. Copy its secret now: it will not be shown again.</p>
      <div className="mt-2 flex flex-wrap items-center gap-2">
        <code data-testid="api-key-secret" className="min-w-0 flex-1 rounded bg-white px-2 py-1.5 font-mono text-xs break-all dark:bg-slate-950">
          {created.secret}
        </code>
        <Button
          variant="secondary"
          onClick={() => {
            void navigator.clipboard?.writeText(created.secret).then(() => setCopied(true), () => setCopied(false));
          }}
        >
          {copied ? 'Copied' : 'Copy'}
        </Button>
      </div>
      <p className="mt-2 text-xs text-slate-600 dark:text-slate-300">
        Use it as <code>Authorization: Bearer &lt;secret&gt;</code>.
      </p>
      <Button variant="ghost" className="mt-2" onClick={onDone}>
        I have saved it
      </Button>
    </div>
  );
}

function KeyRow({ apiKey, onRevoked }: { apiKey: ApiKey; onRevoked: () => void }) {
  const revoke = useAction(async () => {
    await api.apiKeys.revoke(apiKey.id);
    onRevoked();
  });
  const revoked = Boolean(apiKey.revoked_at);
  return (
    <li className="py-3">
      <div className="flex flex-wrap items-center gap-3">
        <div className="min-w-0 flex-1">
          <p className="text-sm font-medium">
            {apiKey.name}{' '}
            <span className="rounded-full bg-slate-100 px-2 py-0.5 text-xs font-normal dark:bg-slate-800">{apiKey.role}</span>
            {revoked && <span className="ml-2 text-xs text-red-700 dark:text-red-300">revoked {formatRelative(apiKey.revoked_at)}</span>}
          </p>
          <p className="text-xs text-slate-500 dark:text-slate-400">
            <code className="font-mono">{apiKey.prefix}…</code> · created {formatDateTime(apiKey.created_at)} · last used{' '}
            {apiKey.last_used_at ? formatRelative(apiKey.last_used_at) : 'never'}
          </p>
        </div>
        {!revoked && (
          <ConfirmButton confirmLabel={`Revoke ${apiKey.name}`} onConfirm={() => void revoke.run()} busy={revoke.busy}>
            Revoke
          </ConfirmButton>
        )}
      </div>
      <div className="mt-2 empty:hidden">
        <ErrorNotice error={revoke.error} />
      </div>
    </li>
  );
}

export function ApiKeysSection() {
  const me = useMe();
  const keys = useAsync((signal) => api.apiKeys.list(signal), []);
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>(me.role);
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const create = useAction(async () => {
    const key = await api.apiKeys.create({ name, role });
    setCreated(key);
    setName('');
    keys.reload();
  });
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    void create.run();
  };
  const usingSession = me.auth === 'session';
  return (
    <Card title="API keys">
      <p className="mb-4 text-sm text-slate-600 dark:text-slate-300">
        Keys let scripts and CI call the API. A key acts with the lower of its own role and yours.
      </p>
      {created && <NewSecret created={created} onDone={() => setCreated(null)} />}
      {usingSession && (
        <form onSubmit={onSubmit} className="mb-4 grid gap-3 sm:grid-cols-[1fr_8rem_auto] sm:items-end">
          <TextField label="Name" placeholder="e.g. CI" required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />
          <SelectField label="Role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
            {ROLES.filter((r) => atLeast(me.role, r)).map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </SelectField>
          <Button type="submit" busy={create.busy}>
            Create key
          </Button>
          <div className="sm:col-span-3 empty:hidden">
            <ErrorNotice error={create.error} />
          </div>
        </form>
      )}
      {keys.error ? (
        <ErrorNotice error={keys.error} onRetry={keys.reload} />
      ) : !keys.data ? (
        <Loading />
      ) : keys.data.length === 0 ? (
        <EmptyState title="No API keys yet" />
      ) : (
        <ul className="divide-y divide-slate-200 dark:divide-slate-800" aria-label="API keys">
          {keys.data.map((k) => (
            <KeyRow key={k.id} apiKey={k} onRevoked={keys.reload} />
          ))}
        </ul>
      )}
    </Card>
  );
}
