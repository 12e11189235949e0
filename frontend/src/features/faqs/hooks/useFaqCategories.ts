import { useAsync } from '../../../hooks/useAsync';
import { faqApi } from '../api';

/** The tenant's FAQ categories (tree order); `reload` after a change. */
export function useFaqCategories() {
  return useAsync((signal) => faqApi.categories.list(signal), []);
}
