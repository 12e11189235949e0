import { Suspense, useEffect } from 'react';
import { Link, Outlet, useParams } from 'react-router';
import { focusRing } from '../../../components/Button';
import { Loading } from '../../../components/States';
import { useAsync } from '../../../hooks/useAsync';
import { helpCentreHref } from '../helpCentre';
import { publicApi } from '../publicApi';
import type { HelpCentreContext } from './context';
import { PublicErrorNotice } from './PublicErrorNotice';

/**
 * A tenant's public help centre (`/help/:slug`): no account needed. Loads its
 * title and categories once for its pages; says so when there is none here.
 */
export function HelpCentreLayout() {
  const { slug = '' } = useParams();
  const centre = useAsync((signal) => publicApi.centre(slug, signal), [slug]);
  // Kept while another slug loads: show only the one asked for.
  const data = centre.data?.slug.toLowerCase() === slug.toLowerCase() ? centre.data : undefined;
  useEffect(() => {
    if (data) document.title = data.title;
  }, [data]);
  const context: HelpCentreContext | undefined = data ? { slug, centre: data } : undefined;
  return (
    <div className="min-h-dvh bg-slate-50 dark:bg-slate-950">
      <header className="border-b border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
        <div className="mx-auto max-w-4xl px-4 py-4">
          <p className="text-xs font-medium tracking-wide text-amber-700 uppercase dark:text-amber-400">Help centre</p>
          {data ? (
            <Link to={helpCentreHref(slug)} className={`text-xl font-semibold tracking-tight sm:text-2xl ${focusRing} rounded-sm`}>
              {data.title}
            </Link>
          ) : (
            <span className="text-xl font-semibold tracking-tight text-slate-400 sm:text-2xl">&nbsp;</span>
          )}
        </div>
      </header>
      <main id="main" className="mx-auto max-w-4xl px-4 py-6">
        {centre.error && !context ? (
          <PublicErrorNotice
            error={centre.error}
            onRetry={centre.reload}
            notFound={{
              title: 'There is no help centre here',
              body: 'Its address may have changed, or it has been turned off. Check the link you followed.',
            }}
          />
        ) : !context ? (
          <Loading label="Loading the help centre…" />
        ) : (
          <Suspense fallback={<Loading />}>
            <Outlet context={context} />
          </Suspense>
        )}
      </main>
      <footer className="mx-auto max-w-4xl px-4 pb-8 text-xs text-slate-400">Answers by MorningAI</footer>
    </div>
  );
}
