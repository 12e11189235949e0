import { useNavigate } from 'react-router';
import { api, type Checkpoint } from '../../api/client';
import { Button, focusRing } from '../../components/Button';
import { JsonView } from '../../components/JsonView';
import { EmptyState, ErrorNotice } from '../../components/States';
import { useAction } from '../../hooks/useAction';
import { formatTime } from '../../lib/format';

const nodeName = (n: string) => (n === '__start__' ? 'start' : n === '__end__' ? 'end' : n === '__replay__' ? 'replay' : n);

/** The saved states of a run, each one a place a new run can start from. */
export function Checkpoints({ taskId, checkpoints, canReplay }: { taskId: string; checkpoints: Checkpoint[]; canReplay: boolean }) {
  const navigate = useNavigate();
  const replay = useAction(async (checkpointId: string) => {
    const accepted = await api.tasks.replay(taskId, { checkpoint_id: checkpointId });
    navigate(`/tasks/${accepted.task_id}`);
  });
  if (checkpoints.length === 0) return <EmptyState title="No checkpoints yet">One is saved after every step.</EmptyState>;
  return (
    <div>
      <ErrorNotice error={replay.error} />
      <ol className="divide-y divide-slate-200 dark:divide-slate-800">
        {checkpoints.map((cp) => (
          <li key={cp.id} className="py-2">
            <details>
              <summary className={`flex cursor-pointer rounded ${focusRing} flex-wrap items-center gap-x-3 gap-y-1 text-sm`}>
                <span className="tabular-nums text-slate-500">#{cp.seq}</span>
                <span className="font-mono">
                  {nodeName(cp.node)} → {nodeName(cp.next)}
                </span>
                <span className="text-xs text-slate-500 dark:text-slate-400">step {cp.step}</span>
                <time dateTime={cp.created_at} className="text-xs text-slate-500 dark:text-slate-400">
                  {formatTime(cp.created_at)}
                </time>
              </summary>
              <div className="mt-2 space-y-2">
                <JsonView value={cp.state} label={`State at checkpoint ${cp.seq}`} />
                {canReplay && cp.next !== '__end__' && (
                  <Button variant="secondary" busy={replay.busy} onClick={() => void replay.run(cp.id)}>
                    Run again from here
                  </Button>
                )}
              </div>
            </details>
          </li>
        ))}
      </ol>
    </div>
  );
}
