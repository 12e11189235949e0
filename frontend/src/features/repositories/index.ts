// What the rest of the app may use from the repositories feature.
export { RepositoriesPage } from './RepositoriesPage';
export { RepositoryPage } from './RepositoryPage';
