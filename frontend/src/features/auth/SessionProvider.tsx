import { useCallback, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, ApiError, onUnauthenticated, type Me } from '../../api/client';
import { SessionContext, type Session } from './session';

/** Reads who is signed in (`/api/auth/me`) and offers sign-up, log-in and log-out. */
export function SessionProvider({ children }: { children: ReactNode }) {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);

  const refresh = useCallback(async () => {
    try {
      setMe(await api.auth.me());
      setError(undefined);
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) {
        setMe(null);
        setError(undefined);
      } else {
        setError(e);
      }
    }
  }, []);

  useEffect(() => {
    let current = true;
    api.auth.me().then(
      (value) => current && setMe(value),
      (e: unknown) => {
        if (!current) return;
        if (e instanceof ApiError && e.status === 401) setMe(null);
        else setError(e);
      },
    );
    return () => {
      current = false;
    };
  }, []);

  // A call answering 401 means the session ended (expired, revoked, removed).
  useEffect(() => {
    onUnauthenticated(() => setMe(null));
    return () => onUnauthenticated(undefined);
  }, []);

  const session = useMemo<Session>(
    () => ({
      me,
      error,
      refresh,
      login: async (body) => {
        await api.auth.login(body);
        await refresh();
      },
      signup: async (body) => {
        await api.auth.signup(body);
        await refresh();
      },
      logout: async () => {
        try {
          await api.auth.logout();
        } catch (e) {
          // Already signed out is signed out.
          if (!(e instanceof ApiError && e.status === 401)) throw e;
        }
        setMe(null);
      },
    }),
    [me, error, refresh],
  );

  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}
