import { Link } from 'react-router';
import { api } from '../../api/client';
import { focusRing } from '../../components/Button';
import { Card } from '../../components/Card';
import { ErrorNotice, Loading } from '../../components/States';
import { useAsync } from '../../hooks/useAsync';
import { formatUsd } from '../../lib/format';
import { formatTokens, spentShare } from './usage';

/** The overview's card: what models cost today (UTC) against the daily cap. */
export function SpendTodayCard() {
  const budgets = useAsync((signal) => api.usage.budgets(signal), []);
  const data = budgets.data;
  const cap = data?.effective.daily_usd ?? null;
  const share = data ? spentShare(data.spent.day.cost_usd, cap) : null;
  return (
    <Card
      title="Model spend today"
      actions={
        <Link to="/usage" className={`text-sm text-amber-700 underline dark:text-amber-400 ${focusRing}`}>
          Usage
        </Link>
      }
    >
      {budgets.error ? (
        <ErrorNotice error={budgets.error} onRetry={budgets.reload} />
      ) : !data ? (
        <Loading />
      ) : (
        <div>
          <p className="text-2xl font-semibold tabular-nums">
            <span data-testid="spend-today">{formatUsd(data.spent.day.cost_usd)}</span>{' '}
            <span className="text-sm font-normal text-slate-500 dark:text-slate-400" data-testid="spend-cap">
              {cap === null ? 'no cap' : `of ${formatUsd(cap)}`}
            </span>
          </p>
          {share !== null && (
            <div
              role="meter"
              aria-label="Daily budget spent"
              aria-valuemin={0}
              aria-valuemax={100}
              aria-valuenow={Math.round(Math.min(share, 1) * 100)}
              className="mt-2 h-2 overflow-hidden rounded-full bg-slate-200 dark:bg-slate-800"
            >
              <div
                className={`h-full rounded-full ${share >= 1 ? 'bg-red-500' : share >= 0.8 ? 'bg-amber-500' : 'bg-emerald-500'}`}
                style={{ width: `${Math.min(share, 1) * 100}%` }}
              />
            </div>
          )}
          <p className="mt-2 text-xs text-slate-500 dark:text-slate-400">
            {formatTokens(data.spent.day.tokens)} tokens today (UTC).
            {share !== null && share >= 1 && ' The daily cap is reached: model calls are refused until tomorrow.'}
          </p>
        </div>
      )}
    </Card>
  );
}
