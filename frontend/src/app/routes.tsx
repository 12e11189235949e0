import { createBrowserRouter, type RouteObject } from 'react-router';
import { LoginPage, RequireSession, SignupPage } from '../features/auth';
import { DocumentPage, DocumentsPage, RepositoryDocuments } from '../features/documents';
import {
  FaqAnalyticsPage,
  FaqCategoriesPage,
  FaqHelpCentrePage,
  FaqPage,
  FaqReviewPage,
  FaqsPage,
  FaqTransferPage,
  HelpArticlePage,
  HelpCentreHome,
  HelpCentreLayout,
  NewFaqPage,
} from '../features/faqs';
import { FilePage, RepositoriesPage, RepositoryPage } from '../features/repositories';
import { SettingsPage } from '../features/settings';
import { NewTaskPage, TaskPage, TasksPage } from '../features/tasks';
import { UsagePage } from '../features/usage';
import { Layout } from './Layout';
import { NotFoundPage } from './pages/NotFoundPage';
import { OverviewPage } from './pages/OverviewPage';

// Every page of the dashboard. New features add their routes under the
// signed-in layout (and their entry in nav.ts); the public help centre is
// the one page for people without an account.
export const routes: RouteObject[] = [
  { path: '/login', element: <LoginPage /> },
  { path: '/signup', element: <SignupPage /> },
  {
    path: '/help/:slug',
    element: <HelpCentreLayout />,
    children: [
      { index: true, element: <HelpCentreHome /> },
      { path: 'faqs/:faqId', element: <HelpArticlePage /> },
    ],
  },
  {
    element: (
      <RequireSession>
        <Layout />
      </RequireSession>
    ),
    children: [
      { index: true, element: <OverviewPage /> },
      { path: 'tasks', element: <TasksPage /> },
      { path: 'tasks/new', element: <NewTaskPage /> },
      { path: 'tasks/:taskId', element: <TaskPage /> },
      { path: 'documents', element: <DocumentsPage /> },
      { path: 'documents/:docId', element: <DocumentPage /> },
      { path: 'faqs', element: <FaqsPage /> },
      { path: 'faqs/new', element: <NewFaqPage /> },
      { path: 'faqs/categories', element: <FaqCategoriesPage /> },
      { path: 'faqs/analytics', element: <FaqAnalyticsPage /> },
      { path: 'faqs/review', element: <FaqReviewPage /> },
      { path: 'faqs/transfer', element: <FaqTransferPage /> },
      { path: 'faqs/help-centre', element: <FaqHelpCentrePage /> },
      { path: 'faqs/:faqId', element: <FaqPage /> },
      { path: 'repositories', element: <RepositoriesPage /> },
      {
        path: 'repositories/:repoId',
        element: <RepositoryPage extra={(repository) => <RepositoryDocuments repository={repository} />} />,
      },
      { path: 'repositories/:repoId/file', element: <FilePage /> },
      { path: 'usage', element: <UsagePage /> },
      { path: 'settings/:tab?', element: <SettingsPage /> },
      { path: '*', element: <NotFoundPage /> },
    ],
  },
];

export const createRouter = () => createBrowserRouter(routes);
