// The FAQ list's search and filters, kept in the URL (`/faqs?q=…&status=…`)
// so a filtered list can be shared and survives a reload.
import { isFaqStatus, type FaqStatus } from './types';

export interface FaqFilters {
  /** A search query; when set the list shows search results. */
  q: string;
  status: FaqStatus | '';
  category: string;
  tag: string;
  language: string;
}

export const NO_FILTERS: FaqFilters = { q: '', status: '', category: '', tag: '', language: '' };

export function readFilters(params: URLSearchParams): FaqFilters {
  const status = params.get('status');
  return {
    q: params.get('q')?.trim() ?? '',
    status: isFaqStatus(status) ? status : '',
    category: params.get('category') ?? '',
    tag: params.get('tag')?.trim() ?? '',
    language: params.get('language')?.trim() ?? '',
  };
}

export function filtersToParams(filters: FaqFilters): URLSearchParams {
  const params = new URLSearchParams();
  for (const key of ['q', 'status', 'category', 'tag', 'language'] as const) {
    const value = filters[key].trim();
    if (value) params.set(key, value);
  }
  return params;
}

/** Any filter besides the search query. */
export const hasFilters = (f: FaqFilters): boolean => Boolean(f.status || f.category || f.tag || f.language);
