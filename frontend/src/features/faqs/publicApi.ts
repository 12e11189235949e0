// The public help centre's API (backend/src/http/help_centre.rs): no account,
// rate-limited (429 with Retry-After), and a 404 for a help centre that is
// not turned on.
import { request } from '../../api/client';
import type { PublicFaq, PublicFaqPage, PublicFaqsQuery, PublicFeedbackRequest, PublicHelpCentre, PublicSearchQuery, PublicSearchResults } from './types';

const base = (slug: string) => `/public/${encodeURIComponent(slug)}`;
const id = (value: string) => encodeURIComponent(value);

export const publicApi = {
  /** Title and categories (parents before children). */
  centre: (slug: string, signal?: AbortSignal) => request<PublicHelpCentre>('GET', base(slug), { signal }),
  /** Published FAQs, most recently changed first. */
  faqs: (slug: string, query: PublicFaqsQuery, signal?: AbortSignal) => request<PublicFaqPage>('GET', `${base(slug)}/faqs`, { query, signal }),
  /** Logged as a question asked (channel `public`): pass `query_id` on with feedback. */
  search: (slug: string, query: PublicSearchQuery, signal?: AbortSignal) =>
    request<PublicSearchResults>('GET', `${base(slug)}/faqs/search`, { query, signal }),
  /** Counted as a view. */
  faq: (slug: string, faqId: string, signal?: AbortSignal) => request<PublicFaq>('GET', `${base(slug)}/faqs/${id(faqId)}`, { signal }),
  feedback: (slug: string, faqId: string, body: PublicFeedbackRequest) => request<void>('POST', `${base(slug)}/faqs/${id(faqId)}/feedback`, { body }),
};
