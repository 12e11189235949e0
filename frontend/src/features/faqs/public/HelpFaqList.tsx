import { useState } from 'react';
import { HelpFaqPage } from './HelpFaqPage';

/** The published questions (of a category), most recently changed first, more on request. */
export function HelpFaqList({ category }: { category: string }) {
  // The cursors of the pages after the first; a new category starts again.
  const [more, setMore] = useState<{ category: string; cursors: string[] }>({ category, cursors: [] });
  const cursors = more.category === category ? more.cursors : [];
  const pages: (string | undefined)[] = [undefined, ...cursors];
  return (
    <ul className="divide-y divide-slate-200 dark:divide-slate-800" aria-label="Questions">
      {pages.map((cursor, i) => (
        <HelpFaqPage
          key={cursor ?? 'first'}
          category={category}
          cursor={cursor}
          last={i === pages.length - 1}
          onMore={(next) => setMore({ category, cursors: [...cursors, next] })}
        />
      ))}
    </ul>
  );
}
