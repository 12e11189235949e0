import { useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { api, type Repository } from '../../api/client';
import { Button, focusRing } from '../../components/Button';
import { CheckboxField, SelectField, TextArea } from '../../components/Field';
import { ErrorNotice } from '../../components/States';
import { useAction } from '../../hooks/useAction';
import { checkAskDraft, docTaskRequest, MAX_QUESTION_CHARS, questionLength, type AskErrors } from './askForm';

/**
 * Asks the documentation agent a question about a ready repository: starts a
 * `doc` task and opens its page, where the run shows live.
 */
export function AskQuestionForm({
  repositories,
  defaultRepositoryId,
  showRepository = true,
}: {
  /** The repositories to pick from; only `ready` ones can be asked about. */
  repositories: Repository[];
  defaultRepositoryId?: string;
  /** Off on a repository's own page, where the repository is given. */
  showRepository?: boolean;
}) {
  const navigate = useNavigate();
  const ready = repositories.filter((r) => r.status === 'ready');
  const [repositoryId, setRepositoryId] = useState(
    ready.find((r) => r.id === defaultRepositoryId)?.id ?? ready[0]?.id ?? '',
  );
  const [question, setQuestion] = useState('');
  const [requireApproval, setRequireApproval] = useState(false);
  const [publish, setPublish] = useState(false);
  const [errors, setErrors] = useState<AskErrors>({});
  const ask = useAction(async (request: ReturnType<typeof docTaskRequest>) => {
    const accepted = await api.tasks.create(request);
    void navigate(`/tasks/${accepted.task_id}`);
  });

  if (ready.length === 0) {
    return (
      <p className="text-sm text-slate-600 dark:text-slate-300">
        {repositories.length === 0 ? (
          <>
            Questions are about a repository:{' '}
            <Link to="/repositories" className={`text-amber-700 underline dark:text-amber-400 ${focusRing}`}>
              add one
            </Link>{' '}
            first; it is indexed right away.
          </>
        ) : (
          'Questions can be asked once a repository is indexed (ready).'
        )}
      </p>
    );
  }

  // A repository that stopped being ready (re-indexing) falls back to the first ready one.
  const chosen = ready.some((r) => r.id === repositoryId) ? repositoryId : (ready[0]?.id ?? '');
  const draft = { repositoryId: chosen, question, requireApproval, publish };
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    const checked = checkAskDraft(draft);
    setErrors(checked);
    if (Object.keys(checked).length > 0) return;
    void ask.run(docTaskRequest(draft));
  };
  const length = questionLength(question);
  return (
    <form onSubmit={onSubmit} noValidate className="space-y-4">
      {showRepository && (
        <SelectField
          label="Repository"
          value={chosen}
          error={errors.repository}
          hint={ready.length < repositories.length ? 'Only indexed (ready) repositories are listed.' : undefined}
          onChange={(e) => {
            setRepositoryId(e.target.value);
            setErrors(({ repository: _, ...rest }) => rest);
          }}
        >
          {ready.map((r) => (
            <option key={r.id} value={r.id}>
              {r.name}
            </option>
          ))}
        </SelectField>
      )}
      <TextArea
        label="Question"
        mono={false}
        rows={3}
        placeholder="e.g. What is the system architecture? How is a request authenticated?"
        value={question}
        error={errors.question}
        hint={
          <span className={length > MAX_QUESTION_CHARS ? 'text-red-700 dark:text-red-300' : undefined}>
            {length.toLocaleString('en')} / 2,000 characters. The answer is a document whose every claim cites the code.
          </span>
        }
        onChange={(e) => {
          setQuestion(e.target.value);
          // An error is about what was sent: editing the question clears it.
          setErrors(({ question: _, ...rest }) => rest);
        }}
      />
      <div className="grid gap-3 sm:grid-cols-2">
        <CheckboxField
          label="Ask me to approve before it is final"
          hint="The task waits for a person to accept the document."
          checked={requireApproval}
          onChange={(e) => setRequireApproval(e.target.checked)}
        />
        <CheckboxField
          label="Publish as a branch / pull request"
          hint="Commits the document on a new branch of the repository (and opens a pull request when the server has a forge token)."
          checked={publish}
          onChange={(e) => setPublish(e.target.checked)}
        />
      </div>
      <ErrorNotice error={ask.error} />
      <Button type="submit" busy={ask.busy}>
        Ask
      </Button>
    </form>
  );
}
