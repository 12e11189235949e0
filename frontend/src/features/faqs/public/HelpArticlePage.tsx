import { Link, useParams, useSearchParams } from 'react-router';
import { Card } from '../../../components/Card';
import { Loading } from '../../../components/States';
import { useAsync } from '../../../hooks/useAsync';
import { formatDateTime } from '../../../lib/format';
import { FaqMarkdown } from '../components/FaqMarkdown';
import { textLink } from '../components/styles';
import { helpCentreHref } from '../helpCentre';
import { publicApi } from '../publicApi';
import { publicCategoryPath } from './categories';
import { useHelpCentre } from './context';
import { HelpfulFeedback } from './HelpfulFeedback';
import { PublicErrorNotice } from './PublicErrorNotice';

/** One published answer, as Markdown, and whether it helped. */
export function HelpArticlePage() {
  const { slug, centre } = useHelpCentre();
  const { faqId = '' } = useParams();
  const [params] = useSearchParams();
  const queryId = params.get('query') ?? undefined;
  const article = useAsync((signal) => publicApi.faq(slug, faqId, signal), [slug, faqId]);
  const faq = article.data?.id === faqId ? article.data : undefined;
  const back = (
    <Link to={helpCentreHref(slug)} className={`text-sm ${textLink}`}>
      ← All questions
    </Link>
  );
  if (article.error && !faq) {
    return (
      <div className="space-y-4">
        <PublicErrorNotice
          error={article.error}
          onRetry={article.reload}
          notFound={{ title: 'This question is not answered here any more', body: 'It may have been moved or withdrawn. Try searching for it.' }}
        />
        {back}
      </div>
    );
  }
  if (!faq) return <Loading label="Loading the answer…" />;
  const category = faq.category_id ? publicCategoryPath(centre.categories, faq.category_id) : undefined;
  return (
    <div className="space-y-4">
      {back}
      <Card>
        <article className="space-y-4" aria-labelledby="help-question">
          <header>
            {category && <p className="text-xs text-slate-500 dark:text-slate-400">{category}</p>}
            <h1 id="help-question" className="text-xl font-semibold tracking-tight">
              {faq.question}
            </h1>
          </header>
          <FaqMarkdown markdown={faq.answer} />
          <p className="text-xs text-slate-500 dark:text-slate-400">Updated {formatDateTime(faq.updated_at)}</p>
        </article>
        <div className="mt-5 border-t border-slate-200 pt-4 dark:border-slate-800">
          <HelpfulFeedback key={faq.id} slug={slug} faqId={faq.id} queryId={queryId} />
        </div>
      </Card>
    </div>
  );
}
