import { useState } from 'react';
import { api, type Task } from '../../api/client';
import { Button } from '../../components/Button';
import { TextField } from '../../components/Field';
import { JsonView } from '../../components/JsonView';
import { ErrorNotice } from '../../components/States';
import { useAction } from '../../hooks/useAction';

function question(interrupt: unknown): string | null {
  if (typeof interrupt === 'object' && interrupt !== null && 'question' in interrupt) {
    const q = (interrupt as { question: unknown }).question;
    return typeof q === 'string' ? q : null;
  }
  return null;
}

/** What a waiting task asks, and the buttons that answer it. */
export function ApprovalPanel({ task, onDecided }: { task: Task; onDecided: (task: Task) => void }) {
  const [note, setNote] = useState('');
  const decide = useAction(async (decision: 'approve' | 'reject') => {
    const input = note.trim() ? { note: note.trim() } : undefined;
    onDecided(await api.tasks.resume(task.id, { decision, input }));
  });
  const asked = question(task.interrupt);
  return (
    <section className="rounded-lg border-2 border-amber-400 bg-amber-50 p-4 shadow-sm sm:p-5 dark:border-amber-600 dark:bg-amber-950/40">
      <h2 className="mb-3 text-base font-semibold">Waiting for your approval</h2>
      {asked && <p className="mb-3 text-base font-medium">{asked}</p>}
      {task.interrupt != null && (
        <details className="mb-3">
          <summary className="cursor-pointer text-sm text-slate-600 dark:text-slate-300">What the task proposes</summary>
          <div className="mt-2">
            <JsonView value={task.interrupt} label="Approval request" />
          </div>
        </details>
      )}
      <TextField
        label="Note (optional)"
        hint="Passed to the task with your decision."
        value={note}
        onChange={(e) => setNote(e.target.value)}
        className="mb-3"
      />
      <ErrorNotice error={decide.error} />
      <div className="mt-3 flex flex-wrap gap-2">
        <Button onClick={() => void decide.run('approve')} busy={decide.busy}>
          Approve
        </Button>
        <Button variant="danger" onClick={() => void decide.run('reject')} disabled={decide.busy}>
          Reject
        </Button>
      </div>
    </section>
  );
}
