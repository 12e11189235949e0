import { Link } from 'react-router';
import type { Repository } from '../../api/client';
import { focusRing } from '../../components/Button';
import { Card } from '../../components/Card';
import { atLeast } from '../../lib/roles';
import { useMe } from '../auth/session';
import { AskQuestionForm } from './AskQuestionForm';
import { RecentDocuments } from './RecentDocuments';

/** A repository's page's part about documents: ask a question (once it is ready) and its latest documents. */
export function RepositoryDocuments({ repository }: { repository: Repository }) {
  const me = useMe();
  const canAsk = atLeast(me.role, 'member');
  return (
    <>
      {canAsk && repository.status === 'ready' && (
        <Card title="Ask a question about this repository">
          <AskQuestionForm key={repository.id} repositories={[repository]} defaultRepositoryId={repository.id} showRepository={false} />
        </Card>
      )}
      <Card
        title="Documents"
        actions={
          <Link to={`/documents?repository=${encodeURIComponent(repository.id)}`} className={`text-sm text-amber-700 underline dark:text-amber-400 ${focusRing}`}>
            All about {repository.name}
          </Link>
        }
      >
        <RecentDocuments
          repositoryId={repository.id}
          empty={repository.status === 'ready' && canAsk ? 'Ask a question above: the answer is kept here as a document.' : 'Documents about it show here once someone asks a question.'}
        />
      </Card>
    </>
  );
}
