import { useState } from 'react';
import { Link } from 'react-router';
import { ApiError } from '../../../api/client';
import { Button, focusRing } from '../../../components/Button';
import { ErrorNotice } from '../../../components/States';
import { useAction } from '../../../hooks/useAction';
import { formatDateTime, formatRelative, shortCommit, shortId } from '../../../lib/format';
import { faqApi } from '../api';
import { faqHref } from '../format';
import { readOrigin } from '../review';
import type { Faq } from '../types';
import { EvidenceLinks } from './EvidenceLinks';
import { FaqMarkdown } from './FaqMarkdown';
import { textLink } from './styles';
import { VerificationSummary } from './VerificationSummary';

export type ReviewDecision = 'published' | 'archived';

const SOURCE_LABEL = { generated: 'Written by the assistant', suggested: 'From a suggestion' } as const;

/**
 * One draft to review: the answer, where it came from and how it was
 * checked; managers publish or archive it (at the version shown, so a draft
 * changed meanwhile is not decided unseen).
 */
export function ReviewItem({ faq, canDecide, onDecided, onStale }: { faq: Faq; canDecide: boolean; onDecided: (faq: Faq, decision: ReviewDecision) => void; onStale: () => void }) {
  const origin = readOrigin(faq.origin);
  const [stale, setStale] = useState(false);
  const decide = useAction(async (status: ReviewDecision) => {
    try {
      onDecided(await faqApi.update(faq.id, { status, expected_version: faq.version }), status);
    } catch (e) {
      if (e instanceof ApiError && e.status === 409) {
        setStale(true);
        return;
      }
      throw e;
    }
  });
  const headingId = `review-${faq.id}`;
  return (
    <li className="space-y-3 py-4" data-faq-id={faq.id} aria-labelledby={headingId}>
      <div>
        <h3 id={headingId} className="font-medium">
          <Link to={faqHref(faq.id)} className={`hover:underline ${focusRing} rounded-sm`}>
            {faq.question}
          </Link>
        </h3>
        <p className="mt-0.5 flex flex-wrap gap-x-3 text-xs text-slate-500 dark:text-slate-400">
          <span>{SOURCE_LABEL[faq.source as keyof typeof SOURCE_LABEL] ?? faq.source}</span>
          <time dateTime={faq.created_at} title={formatDateTime(faq.created_at)}>
            {formatRelative(faq.created_at)}
          </time>
          {origin.repository && (
            <span>
              from {origin.repository}
              {origin.commit && <span className="font-mono"> @ {shortCommit(origin.commit)}</span>}
            </span>
          )}
          {origin.taskId && (
            <Link to={`/tasks/${encodeURIComponent(origin.taskId)}`} className={textLink}>
              task {shortId(origin.taskId)}
            </Link>
          )}
        </p>
      </div>
      <div className="rounded-md border border-slate-200 px-3 py-2 dark:border-slate-700">
        <FaqMarkdown markdown={faq.answer} />
      </div>
      {origin.verification && <VerificationSummary verification={origin.verification} />}
      {(origin.evidence.length > 0 || origin.repositoryId) && (
        <div>
          <p className="mb-1 text-xs font-medium text-slate-600 dark:text-slate-300">Evidence</p>
          <EvidenceLinks evidence={origin.evidence} repositoryId={origin.repositoryId} commit={origin.commit} />
        </div>
      )}
      {origin.examples.length > 0 && (
        <div className="text-xs text-slate-600 dark:text-slate-300">
          <p className="mb-1 font-medium">Asked as</p>
          <ul className="list-inside list-disc">
            {origin.examples.slice(0, 5).map((e) => (
              <li key={e}>{e}</li>
            ))}
          </ul>
        </div>
      )}
      {stale ? (
        <div role="alert" className="rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-950 dark:border-amber-700 dark:bg-amber-950/60 dark:text-amber-100">
          Someone changed this draft since the queue was loaded, so nothing was decided.{' '}
          <Button
            variant="secondary"
            className="ml-1"
            onClick={() => {
              setStale(false);
              onStale();
            }}
          >
            Reload the queue
          </Button>
        </div>
      ) : (
        <ErrorNotice error={decide.error} />
      )}
      {canDecide && !stale && (
        <div className="flex flex-wrap items-center gap-2">
          <Button busy={decide.busy} onClick={() => void decide.run('published')} aria-label={`Publish “${faq.question}”`}>
            Publish
          </Button>
          <Button variant="secondary" disabled={decide.busy} onClick={() => void decide.run('archived')} aria-label={`Archive “${faq.question}”`}>
            Archive
          </Button>
          <Link to={faqHref(faq.id)} className={`text-sm ${textLink}`}>
            Edit it first
          </Link>
        </div>
      )}
    </li>
  );
}
