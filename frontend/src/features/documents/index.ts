// What the rest of the app may use from the documents feature. The document
// page loads on first visit, so the Markdown and highlighting libraries stay
// out of the first download.
import { lazy } from 'react';

export const DocumentPage = lazy(() => import('./DocumentPage').then((m) => ({ default: m.DocumentPage })));
export { DocumentsPage } from './DocumentsPage';
export { RecentDocuments } from './RecentDocuments';
export { RepositoryDocuments } from './RepositoryDocuments';
