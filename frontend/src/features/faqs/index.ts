// What the rest of the app may use from the FAQs feature. Pages that show
// Markdown load on first visit: they bring the Markdown renderer. The public
// help centre (`/help/:slug`) needs no account.
import { lazy } from 'react';

export const FaqPage = lazy(() => import('./FaqPage').then((m) => ({ default: m.FaqPage })));
export const NewFaqPage = lazy(() => import('./NewFaqPage').then((m) => ({ default: m.NewFaqPage })));
export const FaqReviewPage = lazy(() => import('./FaqReviewPage').then((m) => ({ default: m.FaqReviewPage })));
export const HelpArticlePage = lazy(() => import('./public/HelpArticlePage').then((m) => ({ default: m.HelpArticlePage })));
export { FaqAnalyticsPage } from './FaqAnalyticsPage';
export { FaqCategoriesPage } from './FaqCategoriesPage';
export { FaqHelpCentrePage } from './FaqHelpCentrePage';
export { FaqsPage } from './FaqsPage';
export { FaqTransferPage } from './FaqTransferPage';
export { HelpCentreHome } from './public/HelpCentreHome';
export { HelpCentreLayout } from './public/HelpCentreLayout';
