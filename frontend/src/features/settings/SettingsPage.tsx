import { NavLink, Navigate, useParams } from 'react-router';
import { focusRing } from '../../components/Button';
import { PageHeader } from '../../components/Card';
import { isManager } from '../../lib/roles';
import { useMe } from '../auth/session';
import { BudgetsSection } from '../usage';
import { ApiKeysSection } from './ApiKeysSection';
import { CredentialsSection } from './CredentialsSection';
import { MembersSection } from './MembersSection';

/** `managers`: a tab only owners and admins see (its section says so to anyone else who opens it). */
const TABS = [
  { id: 'members', label: 'Members', Section: MembersSection, managers: false },
  { id: 'api-keys', label: 'API keys', Section: ApiKeysSection, managers: false },
  { id: 'credentials', label: 'Credentials', Section: CredentialsSection, managers: true },
  { id: 'budgets', label: 'Budgets', Section: BudgetsSection, managers: false },
] as const;

export function SettingsPage() {
  const { tab } = useParams();
  const me = useMe();
  const tabs = TABS.filter((t) => !t.managers || isManager(me.role));
  const current = TABS.find((t) => t.id === tab);
  if (!current) return <Navigate to="/settings/members" replace />;
  return (
    <div>
      <PageHeader title="Settings" subtitle={`${me.tenant.name} · you are ${me.role}`} />
      <nav aria-label="Settings sections" className="mb-4 flex gap-1 border-b border-slate-200 dark:border-slate-800">
        {tabs.map((t) => (
          <NavLink
            key={t.id}
            to={`/settings/${t.id}`}
            className={({ isActive }) =>
              `-mb-px border-b-2 px-3 py-2 text-sm font-medium ${focusRing} ${
                isActive
                  ? 'border-amber-500 text-slate-900 dark:text-slate-100'
                  : 'border-transparent text-slate-500 hover:text-slate-800 dark:text-slate-400 dark:hover:text-slate-200'
              }`
            }
          >
            {t.label}
          </NavLink>
        ))}
      </nav>
      <current.Section />
    </div>
  );
}
