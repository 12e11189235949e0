// What the rest of the app may use from the repositories feature. The file
// view loads on first visit (it brings the code highlighter).
import { lazy } from 'react';

export const FilePage = lazy(() => import('./FilePage').then((m) => ({ default: m.FilePage })));
export { RepositoriesPage } from './RepositoriesPage';
export { RepositoryPage } from './RepositoryPage';
