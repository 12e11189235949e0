// Turns a task's event stream into what the timeline shows: one entry per
// node run (with its logs and duration) between the task's milestones.
import type { TaskEvent } from '../../api/client';

export type NodeRunStatus = 'running' | 'done' | 'failed' | 'waiting';

export interface NodeRun {
  type: 'node';
  key: string;
  node: string;
  step: number | null;
  status: NodeRunStatus;
  startedAt: string;
  finishedAt: string | null;
  /** As the runtime measured it; null while running. */
  durationMs: number | null;
  next: string | null;
  error: string | null;
  logs: string[];
}

export type Tone = 'neutral' | 'info' | 'success' | 'warning' | 'danger';

export interface Milestone {
  type: 'milestone';
  key: string;
  kind: string;
  label: string;
  detail: string | null;
  at: string;
  tone: Tone;
}

export type TimelineItem = NodeRun | Milestone;

type Data = Record<string, unknown>;

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function question(payload: unknown): string | null {
  if (typeof payload === 'object' && payload !== null && 'question' in payload) {
    return str((payload as Data).question);
  }
  return null;
}

export function buildTimeline(events: readonly TaskEvent[]): TimelineItem[] {
  const items: TimelineItem[] = [];
  // The latest run of each node name, for finishing it and attaching logs.
  const open = new Map<string, NodeRun>();
  const milestone = (e: TaskEvent, label: string, tone: Tone, detail: string | null = null) =>
    items.push({ type: 'milestone', key: `e${e.seq}`, kind: e.kind, label, detail, at: e.created_at, tone });

  for (const e of [...events].sort((a, b) => a.seq - b.seq)) {
    const data = (e.data ?? {}) as Data;
    const node = str(data.node);
    switch (e.kind) {
      case 'task.queued':
        milestone(e, 'Queued', 'neutral');
        break;
      case 'task.running':
        milestone(e, 'Picked up by a worker', 'info');
        break;
      case 'checkpoint.initial':
        if (data.replay_of) milestone(e, 'Replaying from a checkpoint', 'info', str(data.replay_of));
        break;
      case 'node.started': {
        const run: NodeRun = {
          type: 'node',
          key: `e${e.seq}`,
          node: node ?? '?',
          step: num(data.step),
          status: 'running',
          startedAt: e.created_at,
          finishedAt: null,
          durationMs: null,
          next: null,
          error: null,
          logs: [],
        };
        items.push(run);
        open.set(run.node, run);
        break;
      }
      case 'log': {
        const run = node ? open.get(node) : undefined;
        const line = str(data.line) ?? JSON.stringify(data);
        if (run) run.logs.push(line);
        else milestone(e, 'Log', 'neutral', line);
        break;
      }
      case 'node.finished':
      case 'node.failed': {
        const run = node ? open.get(node) : undefined;
        if (!run) {
          milestone(e, `${node ?? 'A node'} ${e.kind === 'node.failed' ? 'failed' : 'finished'}`, e.kind === 'node.failed' ? 'danger' : 'neutral');
          break;
        }
        run.status = e.kind === 'node.failed' ? 'failed' : 'done';
        run.finishedAt = e.created_at;
        run.durationMs = num(data.duration_ms);
        run.next = str(data.next);
        run.error = str(data.error);
        break;
      }
      case 'interrupt': {
        const run = node ? open.get(node) : undefined;
        if (run && run.status === 'running') {
          run.status = 'waiting';
          run.finishedAt = e.created_at;
        }
        milestone(e, 'Waiting for approval', 'warning', question(data.payload));
        break;
      }
      case 'resumed': {
        const decision = str(data.decision);
        const approved = decision === 'approved';
        milestone(e, approved ? 'Approved' : decision === 'rejected' ? 'Rejected' : 'Resumed', approved ? 'success' : 'warning');
        break;
      }
      case 'task.done':
        milestone(e, 'Done', 'success', num(data.steps) !== null ? `${num(data.steps)} steps` : null);
        break;
      case 'task.failed':
        milestone(e, 'Failed', 'danger', str(data.error));
        break;
      case 'task.canceled':
        milestone(e, 'Canceled', 'neutral', str(data.at_node) ? `before ${str(data.at_node)}` : null);
        break;
      default:
        milestone(e, e.kind, 'neutral', Object.keys(data).length ? JSON.stringify(data) : null);
    }
  }
  return items;
}

/** Adds newly streamed events, keeping order and dropping any already held. */
export function mergeEvents(held: readonly TaskEvent[], incoming: readonly TaskEvent[]): TaskEvent[] {
  const last = held.length ? held[held.length - 1]!.seq : 0;
  const fresh = incoming.filter((e) => e.seq > last);
  return fresh.length ? [...held, ...fresh] : (held as TaskEvent[]);
}
