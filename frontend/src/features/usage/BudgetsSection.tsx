import { useState, type FormEvent } from 'react';
import { api, type Budgets } from '../../api/client';
import { Button } from '../../components/Button';
import { Card } from '../../components/Card';
import { ErrorNotice, Loading } from '../../components/States';
import { useAction } from '../../hooks/useAction';
import { useAsync } from '../../hooks/useAsync';
import { formatUsd } from '../../lib/format';
import { isManager } from '../../lib/roles';
import { useMe } from '../auth/session';
import { CAPS, buildPatch, draftFrom, formatCap, formatTokens, type BudgetDraft, type CapKey } from './usage';

const th = 'px-2 py-1.5 text-left text-xs font-medium text-slate-500 dark:text-slate-400';
const input =
  'block w-full min-w-24 rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm text-slate-900 shadow-sm focus:border-amber-500 focus:outline-2 focus:outline-amber-500/40 aria-[invalid=true]:border-red-500 dark:border-slate-600 dark:bg-slate-900 dark:text-slate-100';

function BudgetsForm({ budgets, editable, onSaved }: { budgets: Budgets; editable: boolean; onSaved: (b: Budgets) => void }) {
  const [draft, setDraft] = useState<BudgetDraft>(() => draftFrom(budgets.overrides));
  const [errors, setErrors] = useState<Partial<Record<CapKey, string>>>({});
  const [saved, setSaved] = useState(false);
  const save = useAction(async () => {
    const built = buildPatch(draft, budgets.overrides);
    setErrors(built.errors);
    if (Object.keys(built.errors).length > 0 || Object.keys(built.patch).length === 0) return;
    const next = await api.usage.updateBudgets(built.patch);
    setDraft(draftFrom(next.overrides));
    setSaved(true);
    onSaved(next);
  });
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    setSaved(false);
    void save.run();
  };
  return (
    <form onSubmit={onSubmit} noValidate>
      <div className="overflow-x-auto">
        <table className="w-full min-w-[34rem] text-sm" aria-label="Budget caps">
          <thead>
            <tr className="border-b border-slate-200 dark:border-slate-800">
              <th className={th}>Cap</th>
              <th className={th}>In force</th>
              <th className={th}>Default</th>
              <th className={th}>Override</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
            {CAPS.map(({ key, label, unit }) => {
              const overridden = budgets.overridden.includes(key);
              const error = errors[key];
              return (
                <tr key={key} data-cap={key} className="align-top">
                  <td className="px-2 py-2 font-medium">{label}</td>
                  <td className="px-2 py-2 tabular-nums" data-testid={`effective-${key}`}>
                    {formatCap(budgets.effective[key], unit)}
                    {overridden && <span className="ml-1 text-xs text-amber-700 dark:text-amber-400">(overridden)</span>}
                  </td>
                  <td className="px-2 py-2 text-slate-600 tabular-nums dark:text-slate-300">{formatCap(budgets.defaults[key], unit)}</td>
                  <td className="px-2 py-2">
                    {editable ? (
                      <>
                        <input
                          className={input}
                          inputMode={unit === 'usd' ? 'decimal' : 'numeric'}
                          aria-label={`Override ${label}`}
                          aria-invalid={error ? true : undefined}
                          aria-describedby={error ? `${key}-error` : undefined}
                          placeholder="default"
                          value={draft[key]}
                          onChange={(e) => setDraft((d) => ({ ...d, [key]: e.target.value }))}
                        />
                        {error && (
                          <p id={`${key}-error`} className="mt-1 text-xs text-red-700 dark:text-red-300">
                            {error}
                          </p>
                        )}
                      </>
                    ) : (
                      <span className="tabular-nums">{overridden ? formatCap(budgets.overrides[key], unit) : '—'}</span>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {editable && (
        <div className="mt-3 flex flex-wrap items-center gap-3">
          <Button type="submit" busy={save.busy}>
            Save budgets
          </Button>
          <p className="text-xs text-slate-500 dark:text-slate-400">
            A number overrides the default (0 stops model calls); empty goes back to the default. To lift a default cap,
            enter a large number.
          </p>
          {saved && !save.busy && (
            <p role="status" className="text-sm text-emerald-700 dark:text-emerald-300">
              Saved.
            </p>
          )}
        </div>
      )}
      <div className="mt-3 empty:hidden">
        <ErrorNotice error={save.error} />
      </div>
    </form>
  );
}

/** Settings → Budgets: the caps in force, the defaults and this tenant's overrides. */
export function BudgetsSection() {
  const me = useMe();
  const budgets = useAsync((signal) => api.usage.budgets(signal), []);
  const [latest, setLatest] = useState<Budgets | null>(null);
  const data = latest ?? budgets.data;
  const editable = isManager(me.role);
  return (
    <Card title="Budgets">
      <p className="mb-4 text-sm text-slate-600 dark:text-slate-300">
        Model calls that would go over a cap are refused before anything is sent. Hours and days are UTC.
        {!editable && ' Only owners and admins change them.'}
      </p>
      {budgets.error ? (
        <ErrorNotice error={budgets.error} onRetry={budgets.reload} />
      ) : !data ? (
        <Loading />
      ) : (
        <>
          <p className="mb-3 text-sm" data-testid="budget-spent">
            Spent this hour: <strong>{formatUsd(data.spent.hour.cost_usd)}</strong> ({formatTokens(data.spent.hour.tokens)}{' '}
            tokens) · today: <strong>{formatUsd(data.spent.day.cost_usd)}</strong> ({formatTokens(data.spent.day.tokens)} tokens)
          </p>
          <BudgetsForm budgets={data} editable={editable} onSaved={setLatest} />
        </>
      )}
    </Card>
  );
}
