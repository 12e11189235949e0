import { useEffect, useState } from 'react';
import { between, formatDuration, formatTime } from '../../lib/format';
import type { NodeRun, TimelineItem, Tone } from './timeline';

const dot: Record<Tone, string> = {
  neutral: 'bg-slate-400 dark:bg-slate-500',
  info: 'bg-sky-500',
  success: 'bg-emerald-500',
  warning: 'bg-amber-500',
  danger: 'bg-red-500',
};

const runTone: Record<NodeRun['status'], Tone> = { running: 'info', done: 'success', failed: 'danger', waiting: 'warning' };
const runLabel: Record<NodeRun['status'], string> = { running: 'running', done: 'done', failed: 'failed', waiting: 'waiting' };

/** Re-renders every second while something is running, for live durations. */
function useNow(active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [active]);
  return now;
}

function NodeRunRow({ run, now }: { run: NodeRun; now: number }) {
  const duration = run.durationMs ?? between(run.startedAt, run.finishedAt, now);
  return (
    <div>
      <div className="flex flex-wrap items-baseline gap-x-2 gap-y-0.5">
        <span className="font-mono text-sm font-semibold">{run.node}</span>
        <span className="text-xs text-slate-500 dark:text-slate-400">{runLabel[run.status]}</span>
        <span className="text-xs tabular-nums text-slate-600 dark:text-slate-300" data-testid="node-duration">
          {formatDuration(duration)}
        </span>
        {run.next && run.next !== '__end__' && (
          <span className="text-xs text-slate-500 dark:text-slate-400">→ {run.next}</span>
        )}
      </div>
      {run.error && <p className="mt-1 text-sm text-red-700 dark:text-red-300">{run.error}</p>}
      {run.logs.length > 0 && (
        <ul className="mt-1 space-y-0.5 font-mono text-xs text-slate-600 dark:text-slate-400">
          {run.logs.map((line, i) => (
            <li key={i} className="break-words">
              {line}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function Timeline({ items }: { items: TimelineItem[] }) {
  const now = useNow(items.some((i) => i.type === 'node' && i.status === 'running'));
  return (
    <ol className="relative space-y-3 border-l border-slate-200 pl-5 dark:border-slate-700" aria-label="Timeline">
      {items.map((item) => {
        const tone = item.type === 'node' ? runTone[item.status] : item.tone;
        const at = item.type === 'node' ? item.startedAt : item.at;
        return (
          <li key={item.key} className="relative" data-kind={item.type === 'node' ? 'node' : item.kind}>
            <span
              aria-hidden
              className={`absolute top-1.5 -left-[1.6rem] size-2.5 rounded-full ring-4 ring-white dark:ring-slate-900 ${dot[tone]} ${
                item.type === 'node' && item.status === 'running' ? 'animate-pulse' : ''
              }`}
            />
            {item.type === 'node' ? (
              <NodeRunRow run={item} now={now} />
            ) : (
              <div>
                <span className="text-sm font-medium">{item.label}</span>
                {item.detail && <p className="text-sm break-words text-slate-600 dark:text-slate-300">{item.detail}</p>}
              </div>
            )}
            <time dateTime={at} className="text-xs text-slate-400 dark:text-slate-500">
              {formatTime(at)}
            </time>
          </li>
        );
      })}
    </ol>
  );
}
