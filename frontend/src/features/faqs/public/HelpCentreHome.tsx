import { useSearchParams } from 'react-router';
import { Card } from '../../../components/Card';
import { publicCategoryPath } from './categories';
import { useHelpCentre } from './context';
import { HelpCategoryNav } from './HelpCategoryNav';
import { HelpFaqList } from './HelpFaqList';
import { HelpSearchForm } from './HelpSearchForm';
import { HelpSearchResults } from './HelpSearchResults';

/** The help centre's front page: search, categories, and the questions (or the search's answers). */
export function HelpCentreHome() {
  const { slug, centre } = useHelpCentre();
  const [params, setParams] = useSearchParams();
  const q = params.get('q')?.trim() ?? '';
  const category = params.get('category') ?? '';
  const categoryName = category ? publicCategoryPath(centre.categories, category) : undefined;
  const search = (next: string) => {
    const p = new URLSearchParams();
    if (next) p.set('q', next);
    if (category) p.set('category', category);
    setParams(p);
  };
  return (
    <div className="space-y-5">
      <h1 className="sr-only">{centre.title}</h1>
      <Card>
        <HelpSearchForm key={q} initial={q} onSearch={search} />
      </Card>
      <div className={centre.categories.length ? 'grid gap-5 md:grid-cols-[14rem_minmax(0,1fr)]' : ''}>
        {centre.categories.length > 0 && (
          <aside>
            <HelpCategoryNav slug={slug} categories={centre.categories} current={category} />
          </aside>
        )}
        <Card title={q ? (categoryName ? `Answers in ${categoryName}` : 'Answers') : (categoryName ?? 'All questions')}>
          {q ? <HelpSearchResults q={q} category={category} /> : <HelpFaqList category={category} />}
        </Card>
      </div>
    </div>
  );
}
