import { Link } from 'react-router';
import { ErrorNotice, Loading } from '../../../components/States';
import { useAsync } from '../../../hooks/useAsync';
import { faqApi } from '../api';
import { faqHref } from '../format';
import { FaqDiffView } from './FaqDiffView';
import { textLink } from './styles';

/** What changed between two versions of an FAQ, loaded from the API; with a way back to the FAQ. */
export function FaqVersionChanges({ faqId, from, to }: { faqId: string; from: number; to: number }) {
  const diff = useAsync((signal) => faqApi.diff(faqId, from, to, signal), [faqId, from, to]);
  return (
    <div className="space-y-3">
      {diff.error ? (
        <ErrorNotice error={diff.error} onRetry={diff.reload} />
      ) : !diff.data || diff.loading ? (
        <Loading label="Comparing the versions…" />
      ) : (
        <FaqDiffView diff={diff.data} />
      )}
      <Link to={faqHref(faqId)} className={`text-sm ${textLink}`}>
        Close the comparison
      </Link>
    </div>
  );
}
