import { Suspense } from 'react';
import { NavLink, Outlet, useNavigate } from 'react-router';
import { Button, focusRing } from '../components/Button';
import { ErrorNotice, Loading } from '../components/States';
import { useMe, useSession } from '../features/auth';
import { useAction } from '../hooks/useAction';
import { visibleNav } from './nav';

/** The signed-in frame: header with navigation and the account, then the page. */
export function Layout() {
  const me = useMe();
  const { logout } = useSession();
  const navigate = useNavigate();
  const signOut = useAction(async () => {
    await logout();
    navigate('/login', { replace: true });
  });
  return (
    <div className="min-h-dvh">
      <a
        href="#main"
        className="sr-only rounded-md bg-amber-500 px-3 py-2 text-slate-950 focus:not-sr-only focus:absolute focus:top-2 focus:left-2 focus:z-50"
      >
        Skip to content
      </a>
      <header className="sticky top-0 z-40 border-b border-slate-200 bg-white/90 backdrop-blur dark:border-slate-800 dark:bg-slate-900/90">
        <div className="mx-auto flex max-w-6xl flex-wrap items-center gap-x-6 gap-y-2 px-4 py-2">
          <NavLink to="/" className={`text-base font-semibold tracking-tight ${focusRing}`}>
            <span aria-hidden className="mr-1 text-amber-500">
              ◒
            </span>
            MorningAI
          </NavLink>
          <nav aria-label="Main" className="order-last -mx-1 flex w-full gap-1 overflow-x-auto sm:order-none sm:w-auto">
            {visibleNav().map((entry) => (
              <NavLink
                key={entry.to}
                to={entry.to}
                end={entry.end}
                className={({ isActive }) =>
                  `rounded-md px-3 py-1.5 text-sm font-medium whitespace-nowrap ${focusRing} ${
                    isActive
                      ? 'bg-slate-900 text-white dark:bg-slate-100 dark:text-slate-900'
                      : 'text-slate-600 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800'
                  }`
                }
              >
                {entry.label}
              </NavLink>
            ))}
          </nav>
          <div className="ml-auto flex items-center gap-3">
            <div className="hidden text-right text-xs leading-tight md:block">
              <p className="font-medium" data-testid="current-user">
                {me.user.email}
              </p>
              <p className="text-slate-500 dark:text-slate-400">
                {me.tenant.name} · {me.role}
              </p>
            </div>
            <Button variant="secondary" onClick={() => void signOut.run()} busy={signOut.busy}>
              Log out
            </Button>
          </div>
        </div>
      </header>
      <main id="main" tabIndex={-1} className="mx-auto max-w-6xl px-4 py-6 focus:outline-none">
        {signOut.error !== undefined && (
          <div className="mb-4">
            <ErrorNotice error={signOut.error} />
          </div>
        )}
        {/* Pages loaded on first visit (documents, the file view) show this meanwhile. */}
        <Suspense fallback={<Loading />}>
          <Outlet />
        </Suspense>
      </main>
    </div>
  );
}
