import { api } from '../../../api/client';
import { useAsync } from '../../../hooks/useAsync';

/** The tenant's repositories; the `faq` task answers from `ready` (indexed) ones. */
export function useRepositories() {
  return useAsync((signal) => api.repositories.list(signal).then((list) => list.repositories), []);
}
