import { createContext, useContext } from 'react';
import type { Me, Schemas } from '../../api/client';

export interface Session {
  /** The signed-in user, or null when signed out; undefined while first loading. */
  me: Me | null | undefined;
  /** Why the session could not be read (other than being signed out). */
  error: unknown;
  refresh: () => Promise<void>;
  login: (body: Schemas['LoginRequest']) => Promise<void>;
  signup: (body: Schemas['SignupRequest']) => Promise<void>;
  logout: () => Promise<void>;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside <SessionProvider>');
  return session;
}

/** The signed-in user; only for pages behind <RequireSession>. */
export function useMe(): Me {
  const { me } = useSession();
  if (!me) throw new Error('useMe outside <RequireSession>');
  return me;
}
