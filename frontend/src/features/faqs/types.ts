// The FAQ knowledge base's API types, from the generated OpenAPI schema.
import type { Schemas } from '../../api/client';
import type { paths } from '../../api/schema';

export type Faq = Schemas['Faq'];
export type FaqStatus = Schemas['FaqStatus'];
export type FaqSource = Schemas['FaqSource'];
export type FaqPage = Schemas['FaqPage'];
export type FaqVersion = Schemas['FaqVersion'];
export type FaqDiff = Schemas['FaqDiff'];
export type FaqCategory = Schemas['FaqCategory'];
export type FaqAnalytics = Schemas['FaqAnalytics'];
export type TopQuery = Schemas['TopQuery'];
export type SearchHit = Schemas['SearchHit'];
export type SearchResults = Schemas['SearchResults'];
export type CreateFaqRequest = Schemas['CreateFaqRequest'];
export type UpdateFaqRequest = Schemas['UpdateFaqRequest'];
export type NewFaqCategory = Schemas['NewFaqCategory'];
export type UpdateCategoryRequest = Schemas['UpdateCategoryRequest'];

export type FaqFormat = Schemas['FaqFormat'];
export type ImportReport = Schemas['ImportReport'];
export type HelpCentre = Schemas['HelpCentre'];
export type HelpCentreView = Schemas['HelpCentreView'];
export type HelpCentreSettings = Schemas['HelpCentreSettings'];
export type PublicHelpCentre = Schemas['PublicHelpCentre'];
export type PublicCategory = Schemas['PublicCategory'];
export type PublicFaq = Schemas['PublicFaq'];
export type PublicFaqPage = Schemas['PublicFaqPage'];
export type PublicHit = Schemas['PublicHit'];
export type PublicSearchResults = Schemas['PublicSearchResults'];
export type PublicFeedbackRequest = Schemas['PublicFeedbackRequest'];

export type FaqSuggestion = Schemas['FaqSuggestion'];
export type SuggestionList = Schemas['SuggestionList'];
export type RefreshedSuggestions = Schemas['RefreshedSuggestions'];
export type ApproveSuggestionRequest = Schemas['ApproveSuggestionRequest'];
export type ApprovedSuggestion = Schemas['ApprovedSuggestion'];

export type FaqsQuery = NonNullable<paths['/api/faqs']['get']['parameters']['query']>;
export type FaqSearchQuery = paths['/api/faqs/search']['get']['parameters']['query'];
export type ImportQuery = paths['/api/faqs/import']['post']['parameters']['query'];
export type ExportQuery = paths['/api/faqs/export']['get']['parameters']['query'];
export type PublicFaqsQuery = NonNullable<paths['/public/{slug}/faqs']['get']['parameters']['query']>;
export type PublicSearchQuery = paths['/public/{slug}/faqs/search']['get']['parameters']['query'];

export const FAQ_STATUSES: readonly FaqStatus[] = ['draft', 'published', 'archived'];

export const isFaqStatus = (value: string | null): value is FaqStatus => FAQ_STATUSES.includes(value as FaqStatus);
