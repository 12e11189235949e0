import { useMemo } from 'react';
import { api } from '../../../api/client';
import { useAsync } from '../../../hooks/useAsync';

/**
 * Member emails by user id, to say who edited a version (the API gives ids).
 * Empty until loaded, and when the members cannot be read.
 */
export function useMemberEmails(): ReadonlyMap<string, string> {
  const members = useAsync((signal) => api.tenant.members(signal), []);
  return useMemo(() => new Map((members.data ?? []).map((m) => [m.user_id, m.email])), [members.data]);
}
