// The FAQ endpoints (backend/src/http/faqs.rs) on the dashboard's one
// `request`, so errors, the session cookie and a lapsed session behave as
// on every other page.
import { request, requestText } from '../../api/client';
import type {
  ApprovedSuggestion,
  ApproveSuggestionRequest,
  CreateFaqRequest,
  ExportQuery,
  Faq,
  FaqAnalytics,
  FaqCategory,
  FaqDiff,
  FaqPage,
  FaqSearchQuery,
  FaqsQuery,
  FaqVersion,
  HelpCentreSettings,
  HelpCentreView,
  ImportQuery,
  ImportReport,
  FaqSuggestion,
  NewFaqCategory,
  RefreshedSuggestions,
  SearchResults,
  SuggestionList,
  UpdateCategoryRequest,
  UpdateFaqRequest,
} from './types';

const id = (value: string) => encodeURIComponent(value);

export const faqApi = {
  list: (query: FaqsQuery = {}, signal?: AbortSignal) => request<FaqPage>('GET', '/api/faqs', { query, signal }),
  /** Keywords and meaning at once; logged for analytics unless `log: false` (the dashboard's own searches). */
  search: (query: FaqSearchQuery, signal?: AbortSignal) => request<SearchResults>('GET', '/api/faqs/search', { query, signal }),
  get: (faqId: string, signal?: AbortSignal) => request<Faq>('GET', `/api/faqs/${id(faqId)}`, { signal }),
  create: (body: CreateFaqRequest) => request<Faq>('POST', '/api/faqs', { body }),
  /** A 409 when `expected_version` is not the FAQ's version any more. */
  update: (faqId: string, body: UpdateFaqRequest) => request<Faq>('PATCH', `/api/faqs/${id(faqId)}`, { body }),
  remove: (faqId: string) => request<void>('DELETE', `/api/faqs/${id(faqId)}`),
  /** Newest first. */
  versions: (faqId: string, signal?: AbortSignal) => request<FaqVersion[]>('GET', `/api/faqs/${id(faqId)}/versions`, { signal }),
  diff: (faqId: string, from: number, to: number, signal?: AbortSignal) =>
    request<FaqDiff>('GET', `/api/faqs/${id(faqId)}/diff`, { query: { from, to }, signal }),
  analytics: (days: number, signal?: AbortSignal) => request<FaqAnalytics>('GET', '/api/faqs/analytics', { query: { days }, signal }),
  /**
   * Imports a file's text (owners and admins); `dry_run` only reports. Any bad
   * line: a 422 `invalid_file` whose `lines` say which and why, nothing imported.
   */
  importFile: (text: string, query: ImportQuery) => request<ImportReport>('POST', '/api/faqs/import', { query, text }),
  /** The FAQs as a file's text, in a format that imports back. */
  exportFile: (query: ExportQuery, signal?: AbortSignal) => requestText('GET', '/api/faqs/export', { query, signal }),
  /** FAQs suggested from questions no FAQ answered, most asked first. */
  suggestions: {
    open: (signal?: AbortSignal) => request<SuggestionList>('GET', '/api/faq-suggestions', { query: { status: 'open' }, signal }),
    /** Clusters the last 30 days' unanswered questions again (owners and admins). */
    refresh: () => request<RefreshedSuggestions>('POST', '/api/faq-suggestions/refresh'),
    /** With `repository_id` a `faq` task drafts the answer; with `answer` a draft is saved at once. 409 once approved. */
    approve: (suggestionId: string, body: ApproveSuggestionRequest) =>
      request<ApprovedSuggestion>('POST', `/api/faq-suggestions/${id(suggestionId)}/approve`, { body }),
    dismiss: (suggestionId: string) => request<FaqSuggestion>('POST', `/api/faq-suggestions/${id(suggestionId)}/dismiss`),
  },
  helpCentre: {
    get: (signal?: AbortSignal) => request<HelpCentreView>('GET', '/api/help-centre', { signal }),
    /** 409 when another tenant has the slug; 422 for a bad slug or title. */
    set: (body: HelpCentreSettings) => request<HelpCentreView>('PUT', '/api/help-centre', { body }),
  },
  categories: {
    /** In tree order: each category followed by its subtree. */
    list: (signal?: AbortSignal) => request<FaqCategory[]>('GET', '/api/faq-categories', { signal }),
    create: (body: NewFaqCategory) => request<FaqCategory>('POST', '/api/faq-categories', { body }),
    update: (categoryId: string, body: UpdateCategoryRequest) =>
      request<FaqCategory>('PATCH', `/api/faq-categories/${id(categoryId)}`, { body }),
    /** A 409 while subcategories or FAQs are filed under it. */
    remove: (categoryId: string) => request<void>('DELETE', `/api/faq-categories/${id(categoryId)}`),
  },
};
