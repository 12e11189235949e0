import { useEffect, useMemo } from 'react';
import { Link, useLocation, useNavigate, useParams, useSearchParams } from 'react-router';
import { ApiError, api } from '../../api/client';
import { Button, focusRing } from '../../components/Button';
import { Card, PageHeader } from '../../components/Card';
import { ErrorNotice, Loading } from '../../components/States';
import { useAsync } from '../../hooks/useAsync';
import { fileHref, parseLineHash } from '../../lib/citations';
import { shortCommit } from '../../lib/format';
import { highlightLines, languageFor } from './highlight';

const link = `text-amber-700 underline dark:text-amber-400 ${focusRing}`;

/**
 * One file of a repository at a commit (default: the indexed one), with line
 * numbers and highlighting; `#L3-L9` marks those lines and scrolls to them.
 * Citations in documents link here.
 */
export function FilePage() {
  const { repoId = '' } = useParams();
  const [params] = useSearchParams();
  const location = useLocation();
  const navigate = useNavigate();
  const path = params.get('path') ?? '';
  const commit = params.get('commit') || undefined;
  const range = parseLineHash(location.hash);
  const file = useAsync(
    (signal) =>
      path
        ? api.repositories.file(repoId, { path, commit }, signal)
        : Promise.reject(new ApiError(422, 'validation', 'No file named: the address needs ?path=…')),
    [repoId, path, commit],
  );
  const repo = useAsync((signal) => api.repositories.get(repoId, signal), [repoId]);
  const data = file.data?.path === path ? file.data : undefined;
  const language = languageFor(data?.language, path);
  const lines = useMemo(() => (data ? highlightLines(data.text, language) : []), [data, language]);

  const start = range?.start;
  useEffect(() => {
    if (start === undefined || lines.length === 0) return;
    // `scrollIntoView` is missing where there is no layout (tests).
    document.getElementById(`L${start}`)?.scrollIntoView?.({ block: 'center' });
  }, [start, lines]);

  const back =
    location.key !== 'default' ? (
      <Button variant="secondary" onClick={() => void navigate(-1)}>
        Back
      </Button>
    ) : undefined;
  const repoLink = (
    <Link to={`/repositories/${repoId}`} className={link}>
      {repo.data?.name ?? 'Repository'}
    </Link>
  );

  if (file.error && !data) {
    const notIndexedCommit = commit && file.error instanceof ApiError && file.error.status === 404;
    return (
      <div className="space-y-4">
        <PageHeader title={<span className="font-mono break-all">{path || 'File'}</span>} subtitle={repoLink} actions={back} />
        <ErrorNotice error={file.error} onRetry={file.reload} />
        {notIndexedCommit && (
          <p className="text-sm">
            The index may have moved on from commit <code className="font-mono">{shortCommit(commit)}</code>:{' '}
            <Link to={fileHref(repoId, path, { lines: range })} className={link}>
              open the file at the indexed commit
            </Link>
            .
          </p>
        )}
      </div>
    );
  }
  if (!data) return <Loading label="Loading the file…" />;

  const shown = range && range.start <= lines.length ? range : null;
  return (
    <div className="space-y-4">
      <PageHeader
        title={<span className="font-mono text-lg break-all sm:text-xl">{data.path}</span>}
        subtitle={
          <span className="flex flex-wrap gap-x-3 gap-y-1">
            {repoLink}
            <span>
              commit{' '}
              <code className="font-mono text-xs" title={data.commit}>
                {shortCommit(data.commit)}
              </code>
            </span>
            {data.language && <span>{data.language}</span>}
            <span>{data.line_count} lines</span>
          </span>
        }
        actions={back}
      />
      {range && (
        <p className="text-sm" role="status" data-testid="highlighted-range">
          {shown
            ? `Lines ${shown.start}–${Math.min(shown.end, lines.length)} highlighted.`
            : `Line ${range.start} is past the end of the file (${lines.length} lines).`}{' '}
          <Link to={{ search: location.search }} replace preventScrollReset className={link}>
            Clear
          </Link>
        </p>
      )}
      <Card className="p-0! sm:p-0!">
        {data.text === '' ? (
          <p className="p-4 text-sm text-slate-500 dark:text-slate-400">The file is empty.</p>
        ) : (
          <div className={`overflow-x-auto rounded-lg ${focusRing}`} tabIndex={0} role="region" aria-label={`${data.path}, ${lines.length} lines`}>
            <table className="w-full border-collapse font-mono text-xs leading-5">
              <tbody>
                {lines.map((segments, i) => {
                  const n = i + 1;
                  const on = shown !== null && n >= shown.start && n <= shown.end;
                  return (
                    <tr
                      key={n}
                      id={`L${n}`}
                      data-line={n}
                      data-highlighted={on || undefined}
                      className={on ? 'bg-amber-100 dark:bg-amber-900/40' : undefined}
                    >
                      <td
                        className={`w-1 border-l-4 px-3 text-right align-top text-slate-400 select-none dark:text-slate-500 ${
                          on ? 'border-amber-500' : 'border-transparent'
                        }`}
                      >
                        <Link to={{ search: location.search, hash: `L${n}` }} replace preventScrollReset tabIndex={-1} className="hover:underline">
                          {n}
                        </Link>
                      </td>
                      <td className="pr-4 whitespace-pre">
                        {segments.map((s, j) => (
                          <span key={j} className={s.className || undefined}>
                            {s.text}
                          </span>
                        ))}
                        {segments.length === 0 && ' '}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </Card>
    </div>
  );
}
