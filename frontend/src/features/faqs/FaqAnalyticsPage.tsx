import { Link, useSearchParams } from 'react-router';
import { Card, PageHeader } from '../../components/Card';
import { SelectField } from '../../components/Field';
import { EmptyState, ErrorNotice, Loading } from '../../components/States';
import { useAsync } from '../../hooks/useAsync';
import { formatDateTime } from '../../lib/format';
import { faqApi } from './api';
import { AnalyticsSummary } from './components/AnalyticsSummary';
import { textLink } from './components/styles';
import { TopQueriesTable } from './components/TopQueriesTable';
import { positiveInt } from './format';

const PERIODS = [7, 30, 90, 365] as const;
const DEFAULT_DAYS = 30;

/** How the FAQs are doing over the last days: questions asked and unanswered, helpfulness, answer hits, top queries. */
export function FaqAnalyticsPage() {
  const [params, setParams] = useSearchParams();
  const asked = positiveInt(params.get('days'));
  const days = asked !== undefined && asked <= 365 ? asked : DEFAULT_DAYS;
  const analytics = useAsync((signal) => faqApi.analytics(days, signal), [days]);
  const data = analytics.data;
  return (
    <div className="space-y-5">
      <PageHeader
        title="FAQ analytics"
        subtitle={
          <Link to="/faqs" className={textLink}>
            All FAQs
          </Link>
        }
        actions={
          <SelectField
            label="Period"
            value={String(days)}
            onChange={(e) => setParams(Number(e.target.value) === DEFAULT_DAYS ? {} : { days: e.target.value }, { replace: true })}
            className="w-40"
          >
            {(PERIODS as readonly number[]).includes(days) ? null : <option value={days}>Last {days} days</option>}
            {PERIODS.map((d) => (
              <option key={d} value={d}>
                Last {d} days
              </option>
            ))}
          </SelectField>
        }
      />
      {analytics.error ? (
        <ErrorNotice error={analytics.error} onRetry={analytics.reload} />
      ) : !data ? (
        <Loading label="Loading the analytics…" />
      ) : (
        <div className="space-y-5" aria-busy={analytics.loading}>
          <Card title={`Since ${formatDateTime(data.since)}`}>
            <AnalyticsSummary analytics={data} />
          </Card>
          <Card title="Top queries">
            {data.top_queries.length === 0 ? (
              <EmptyState title={`No questions asked in the last ${days} days`}>
                Searches in the public help centre and questions to the assistant show here, most asked first.
              </EmptyState>
            ) : (
              <TopQueriesTable queries={data.top_queries} />
            )}
          </Card>
        </div>
      )}
    </div>
  );
}
