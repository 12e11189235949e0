import { Link } from 'react-router';
import type { Repository } from '../../../api/client';
import { textLink } from './styles';

/** Said instead of a form that needs an indexed repository when there is none. */
export function NoReadyRepository({ repositories }: { repositories: readonly Repository[] }) {
  return (
    <p className="text-sm text-slate-600 dark:text-slate-300">
      {repositories.length === 0 ? (
        <>
          The assistant answers from a repository:{' '}
          <Link to="/repositories" className={textLink}>
            add one
          </Link>{' '}
          first; it is indexed right away.
        </>
      ) : (
        'The assistant answers from an indexed repository: wait until one is ready.'
      )}
    </p>
  );
}
