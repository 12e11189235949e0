import type { ReactNode } from 'react';
import { ApiError } from '../../../api/client';
import { Button } from '../../../components/Button';
import { ErrorNotice } from '../../../components/States';

/**
 * An error of the public API in a visitor's words: too many requests (with
 * how long to wait), or nothing here (`notFound` says what); others as usual.
 */
export function PublicErrorNotice({ error, notFound, onRetry }: { error: unknown; notFound: { title: string; body: ReactNode }; onRetry?: () => void }) {
  if (error === undefined || error === null) return null;
  if (error instanceof ApiError && error.status === 404) {
    return (
      <div role="alert" className="rounded-lg border border-slate-300 bg-white px-5 py-6 text-center dark:border-slate-700 dark:bg-slate-900">
        <p className="font-semibold">{notFound.title}</p>
        <div className="mt-1 text-sm text-slate-600 dark:text-slate-300">{notFound.body}</div>
      </div>
    );
  }
  if (error instanceof ApiError && error.status === 429) {
    const wait = error.retryAfter;
    return (
      <div
        role="alert"
        className="rounded-md border border-amber-300 bg-amber-50 px-4 py-3 text-sm text-amber-950 dark:border-amber-700 dark:bg-amber-950/60 dark:text-amber-100"
      >
        <p className="font-semibold">Too many requests</p>
        <p className="mt-0.5" data-testid="retry-after">
          {wait ? `Please wait ${wait} ${wait === 1 ? 'second' : 'seconds'}, then try again.` : 'Please wait a moment, then try again.'}
        </p>
        {onRetry && (
          <Button variant="secondary" className="mt-2" onClick={onRetry}>
            Try again
          </Button>
        )}
      </div>
    );
  }
  return <ErrorNotice error={error} onRetry={onRetry} />;
}
