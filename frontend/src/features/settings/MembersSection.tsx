import { useState, type FormEvent } from 'react';
import { api, type Member, type Role } from '../../api/client';
import { Button } from '../../components/Button';
import { Card } from '../../components/Card';
import { ConfirmButton } from '../../components/ConfirmButton';
import { SelectField, TextField } from '../../components/Field';
import { EmptyState, ErrorNotice, Loading } from '../../components/States';
import { useAction } from '../../hooks/useAction';
import { useAsync } from '../../hooks/useAsync';
import { formatDateTime } from '../../lib/format';
import { canManage, grantableRoles, isManager } from '../../lib/roles';
import { useMe, useSession } from '../auth/session';

function MemberRow({ member, onChanged }: { member: Member; onChanged: () => void }) {
  const me = useMe();
  const { refresh } = useSession();
  const self = member.user_id === me.user.id;
  const manageable = canManage(me.role, member.role);
  const change = useAction(async (role: Role) => {
    await api.tenant.changeMember(member.user_id, { role });
    onChanged();
    if (self) await refresh();
  });
  const remove = useAction(async () => {
    await api.tenant.removeMember(member.user_id);
    if (self) await refresh();
    else onChanged();
  });
  const roles = grantableRoles(me.role);
  return (
    <li className="py-3">
      <div className="flex flex-wrap items-center gap-3">
        <div className="min-w-0 flex-1">
          <p className="truncate text-sm font-medium">
            {member.email} {self && <span className="text-xs text-slate-500">(you)</span>}
          </p>
          <p className="text-xs text-slate-500 dark:text-slate-400">joined {formatDateTime(member.joined_at)}</p>
        </div>
        {manageable ? (
          <SelectField
            label={<span className="sr-only">Role of {member.email}</span>}
            value={member.role}
            disabled={change.busy}
            onChange={(e) => void change.run(e.target.value as Role)}
            className="w-32"
          >
            {roles.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </SelectField>
        ) : (
          <span className="rounded-full bg-slate-100 px-2 py-0.5 text-xs font-medium dark:bg-slate-800">{member.role}</span>
        )}
        {(manageable || self) && (
          <ConfirmButton confirmLabel={self ? 'Leave this organisation' : `Remove ${member.email}`} onConfirm={() => void remove.run()} busy={remove.busy}>
            {self ? 'Leave' : 'Remove'}
          </ConfirmButton>
        )}
      </div>
      <div className="mt-2 empty:hidden">
        <ErrorNotice error={change.error ?? remove.error} />
      </div>
    </li>
  );
}

function AddMember({ onAdded }: { onAdded: () => void }) {
  const me = useMe();
  const roles = grantableRoles(me.role);
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<Role>('member');
  const add = useAction(async () => {
    await api.tenant.addMember({ email, password, role });
    setEmail('');
    setPassword('');
    onAdded();
  });
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    void add.run();
  };
  return (
    <form onSubmit={onSubmit} className="mt-4 space-y-3 border-t border-slate-200 pt-4 dark:border-slate-800">
      <h3 className="text-sm font-semibold">Add a member</h3>
      <p className="text-xs text-slate-500 dark:text-slate-400">
        Creates a new account with this email and an initial password to pass on. An email that already has an account cannot be
        added yet.
      </p>
      <div className="grid gap-3 sm:grid-cols-[1fr_1fr_8rem_auto] sm:items-end">
        <TextField label="Email" type="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
        <TextField
          label="Initial password"
          type="password"
          autoComplete="new-password"
          required
          minLength={8}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        <SelectField label="Role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
          {roles.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </SelectField>
        <Button type="submit" busy={add.busy}>
          Add
        </Button>
      </div>
      <ErrorNotice error={add.error} />
    </form>
  );
}

export function MembersSection() {
  const me = useMe();
  const members = useAsync((signal) => api.tenant.members(signal), []);
  return (
    <Card title="Members">
      {members.error ? (
        <ErrorNotice error={members.error} onRetry={members.reload} />
      ) : !members.data ? (
        <Loading />
      ) : members.data.length === 0 ? (
        <EmptyState title="No members" />
      ) : (
        <ul className="divide-y divide-slate-200 dark:divide-slate-800" aria-label="Members">
          {members.data.map((m) => (
            <MemberRow key={m.user_id} member={m} onChanged={members.reload} />
          ))}
        </ul>
      )}
      {isManager(me.role) ? (
        <AddMember onAdded={members.reload} />
      ) : (
        <p className="mt-3 text-xs text-slate-500 dark:text-slate-400">Owners and admins add members and change roles.</p>
      )}
    </Card>
  );
}
