import type { Verification } from '../review';

/** How the answer's claims fared when checked against the code. */
export function VerificationSummary({ verification }: { verification: Verification }) {
  const { checked, kept, removed } = verification;
  return (
    <p className="text-xs text-slate-600 dark:text-slate-300" data-testid="verification">
      {checked} {checked === 1 ? 'claim' : 'claims'} checked against the code:{' '}
      <span className="font-medium text-emerald-700 dark:text-emerald-400">{kept} kept</span>,{' '}
      <span className={removed ? 'font-medium text-red-700 dark:text-red-400' : undefined}>{removed} removed</span> as unsupported.
    </p>
  );
}
