import { useMemo, type ReactNode } from 'react';
import { Link } from 'react-router';
import { api, type UsageTotals } from '../../api/client';
import { focusRing } from '../../components/Button';
import { Card, PageHeader } from '../../components/Card';
import { EmptyState, ErrorNotice, Loading } from '../../components/States';
import { useAsync } from '../../hooks/useAsync';
import { formatUsd, shortId } from '../../lib/format';
import { describeCalls, formatTokens, lastDays } from './usage';

const DAYS = 30;

function Stat({ label, value, testId }: { label: string; value: ReactNode; testId?: string }) {
  return (
    <div className="rounded-md border border-slate-200 px-3 py-2 dark:border-slate-700">
      <dt className="text-xs text-slate-500 dark:text-slate-400">{label}</dt>
      <dd className="text-2xl font-semibold tabular-nums" data-testid={testId}>
        {value}
      </dd>
    </div>
  );
}

const th = 'px-2 py-1.5 text-left text-xs font-medium text-slate-500 dark:text-slate-400';
const td = 'px-2 py-1.5 tabular-nums';

/** One table of usage rows: the first column names the row, then the totals. */
function UsageTable<T extends UsageTotals>({
  label,
  first,
  rows,
  name,
  rowKey,
}: {
  label: string;
  first: string;
  rows: T[];
  name: (row: T) => ReactNode;
  rowKey: (row: T, index: number) => string;
}) {
  return (
    <div className="overflow-x-auto">
      <table className="w-full min-w-[28rem] text-sm" aria-label={label}>
        <thead>
          <tr className="border-b border-slate-200 dark:border-slate-800">
            <th className={th}>{first}</th>
            <th className={`${th} text-right`}>Cost</th>
            <th className={`${th} text-right`}>Tokens</th>
            <th className={th}>Calls</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
          {rows.map((row, i) => (
            <tr key={rowKey(row, i)}>
              <td className="px-2 py-1.5">{name(row)}</td>
              <td className={`${td} text-right`}>{formatUsd(row.cost_usd)}</td>
              <td className={`${td} text-right`} title={`${row.prompt_tokens} prompt + ${row.completion_tokens} completion`}>
                {formatTokens(row.tokens)}
              </td>
              <td className="px-2 py-1.5 text-xs text-slate-600 dark:text-slate-300">{describeCalls(row)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Model spend over the last 30 days: in total, per day, per model, per task. */
export function UsagePage() {
  const range = useMemo(() => lastDays(DAYS), []);
  const usage = useAsync((signal) => api.usage.get(range, signal), [range.from, range.to]);
  const data = usage.data;
  return (
    <div className="space-y-5">
      <PageHeader
        title="Usage"
        subtitle={`Model calls from ${range.from} to ${range.to} (UTC)`}
        actions={
          <Link to="/settings/budgets" className={`text-sm text-amber-700 underline dark:text-amber-400 ${focusRing}`}>
            Budgets
          </Link>
        }
      />
      {usage.error ? (
        <ErrorNotice error={usage.error} onRetry={usage.reload} />
      ) : !data ? (
        <Loading />
      ) : (
        <>
          <Card title={`Last ${DAYS} days`}>
            <dl className="grid grid-cols-2 gap-3 sm:grid-cols-4" aria-label="Usage totals">
              <Stat label="Cost" value={formatUsd(data.total.cost_usd)} testId="usage-total-cost" />
              <Stat label="Tokens" value={formatTokens(data.total.tokens)} testId="usage-total-tokens" />
              <Stat label="Calls" value={data.total.calls} testId="usage-total-calls" />
              <Stat label="Failed · refused · cached" value={`${data.total.errors} · ${data.total.refused} · ${data.total.cached}`} />
            </dl>
          </Card>
          {data.total.calls === 0 ? (
            <EmptyState title="No model calls in this period">
              Tasks that call a model (document questions, for one) show up here with their tokens and cost. The{' '}
              <code>echo</code> kind calls none.
            </EmptyState>
          ) : (
            <>
              <Card title="By day">
                <UsageTable label="Usage by day" first="Day (UTC)" rows={data.by_day} name={(r) => r.date} rowKey={(r) => r.date} />
              </Card>
              <div className="grid gap-5 lg:grid-cols-2">
                <Card title="By model">
                  <UsageTable
                    label="Usage by model"
                    first="Model"
                    rows={data.by_model}
                    name={(r) => (
                      <span>
                        <span className="font-mono">{r.model}</span>{' '}
                        <span className="text-xs text-slate-500 dark:text-slate-400">{r.provider}</span>
                      </span>
                    )}
                    rowKey={(r) => `${r.provider}/${r.model}`}
                  />
                </Card>
                <Card title="By task">
                  <UsageTable
                    label="Usage by task"
                    first="Task"
                    rows={data.by_task}
                    name={(r) =>
                      r.task_id ? (
                        <Link to={`/tasks/${r.task_id}`} className={`font-mono text-amber-700 underline dark:text-amber-400 ${focusRing}`}>
                          {shortId(r.task_id)}
                        </Link>
                      ) : (
                        <span className="text-slate-500 dark:text-slate-400">no task</span>
                      )
                    }
                    rowKey={(r, i) => r.task_id ?? `none-${i}`}
                  />
                  {data.by_task.length >= 200 && <p className="mt-2 text-xs text-slate-500">The 200 costliest tasks.</p>}
                </Card>
              </div>
            </>
          )}
        </>
      )}
    </div>
  );
}
