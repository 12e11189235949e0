import { Link } from 'react-router';
import { focusRing } from '../../../components/Button';
import { helpCentreHref } from '../helpCentre';
import type { PublicCategory } from '../types';
import { withDepth } from './categories';

const item = (active: boolean) =>
  `block rounded-md px-2 py-1 text-sm ${focusRing} ${
    active ? 'bg-amber-100 font-medium text-amber-950 dark:bg-amber-900/50 dark:text-amber-100' : 'text-slate-700 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800'
  }`;

/** The help centre's categories, indented as their tree; the current one marked. */
export function HelpCategoryNav({ slug, categories, current }: { slug: string; categories: readonly PublicCategory[]; current: string }) {
  const base = helpCentreHref(slug);
  return (
    <nav aria-label="Categories">
      <ul className="space-y-0.5">
        <li>
          <Link to={base} className={item(current === '')} aria-current={current === '' ? 'page' : undefined}>
            All questions
          </Link>
        </li>
        {withDepth(categories).map(({ category, depth }) => (
          <li key={category.id} style={{ paddingLeft: `${depth}rem` }}>
            <Link
              to={`${base}?category=${encodeURIComponent(category.id)}`}
              className={item(current === category.id)}
              aria-current={current === category.id ? 'page' : undefined}
            >
              {category.name}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}
