import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router';
import { ErrorNotice, Loading } from '../../components/States';
import { useSession } from './session';

/** Shows its children to a signed-in user; sends others to log in (and back afterwards). */
export function RequireSession({ children }: { children: ReactNode }) {
  const { me, error, refresh } = useSession();
  const location = useLocation();
  if (me === undefined) {
    return (
      <div className="mx-auto max-w-md p-6">
        {error ? <ErrorNotice error={error} onRetry={() => void refresh()} /> : <Loading />}
      </div>
    );
  }
  if (me === null) {
    const next = location.pathname + location.search;
    return <Navigate to={next === '/' ? '/login' : `/login?next=${encodeURIComponent(next)}`} replace />;
  }
  return children;
}
