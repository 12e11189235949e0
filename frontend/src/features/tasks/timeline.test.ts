import { describe, expect, it } from 'vitest';
import type { TaskEvent } from '../../api/client';
import { buildTimeline, mergeEvents, type NodeRun } from './timeline';

let seq = 0;
const ev = (kind: string, data: Record<string, unknown> = {}, second = seq): TaskEvent => ({
  task_id: 't',
  seq: ++seq,
  kind,
  data,
  created_at: new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString(),
});

describe('buildTimeline', () => {
  it('pairs node starts and finishes, with logs and durations', () => {
    seq = 0;
    const events = [
      ev('task.queued', { kind: 'echo' }),
      ev('task.running'),
      ev('checkpoint.initial', { next: 'prepare', replay_of: null }),
      ev('node.started', { node: 'prepare', step: 1 }),
      ev('node.finished', { node: 'prepare', next: 'echo', duration_ms: 3, step: 1 }),
      ev('node.started', { node: 'echo', step: 2 }),
      ev('log', { node: 'echo', line: 'echo 1 of 1' }),
      ev('node.finished', { node: 'echo', next: 'approve', duration_ms: 300, step: 2 }),
      ev('node.started', { node: 'approve', step: 3 }),
      ev('interrupt', { node: 'approve', payload: { question: 'Publish this echo?' } }),
      ev('resumed', { decision: 'approved', input: null }),
      ev('node.started', { node: 'approve', step: 3 }),
      ev('node.finished', { node: 'approve', next: 'finish', duration_ms: 1, step: 3 }),
      ev('node.started', { node: 'finish', step: 4 }),
      ev('node.finished', { node: 'finish', next: '__end__', duration_ms: 1, step: 4 }),
      ev('task.done', { steps: 4 }),
    ];
    const items = buildTimeline(events);
    const summary = items.map((i) => (i.type === 'node' ? `${i.node}:${i.status}` : i.label));
    expect(summary).toEqual([
      'Queued',
      'Picked up by a worker',
      'prepare:done',
      'echo:done',
      'approve:waiting',
      'Waiting for approval',
      'Approved',
      'approve:done',
      'finish:done',
      'Done',
    ]);
    const echo = items.find((i) => i.type === 'node' && i.node === 'echo') as NodeRun;
    expect(echo.logs).toEqual(['echo 1 of 1']);
    expect(echo.durationMs).toBe(300);
    expect(echo.next).toBe('approve');
    expect(items.find((i) => i.type === 'milestone' && i.kind === 'interrupt')).toMatchObject({ detail: 'Publish this echo?', tone: 'warning' });
  });

  it('shows a running node and a failure', () => {
    seq = 0;
    const running = buildTimeline([ev('node.started', { node: 'draft', step: 1 })]);
    expect(running).toMatchObject([{ type: 'node', node: 'draft', status: 'running', durationMs: null }]);

    const failed = buildTimeline([
      ev('node.started', { node: 'draft', step: 1 }),
      ev('node.failed', { node: 'draft', error: 'model unavailable', duration_ms: 12 }),
      ev('task.failed', { error: 'node draft failed: model unavailable' }),
    ]);
    expect(failed[0]).toMatchObject({ status: 'failed', error: 'model unavailable', durationMs: 12 });
    expect(failed[1]).toMatchObject({ label: 'Failed', tone: 'danger', detail: 'node draft failed: model unavailable' });
  });

  it('orders by sequence and keeps unknown kinds visible', () => {
    seq = 0;
    const a = ev('task.queued');
    const b = ev('usage.recorded', { tokens: 12 });
    expect(buildTimeline([b, a]).map((i) => (i.type === 'milestone' ? i.kind : ''))).toEqual(['task.queued', 'usage.recorded']);
  });
});

describe('mergeEvents', () => {
  it('appends only newer events', () => {
    seq = 0;
    const [a, b, c] = [ev('task.queued'), ev('task.running'), ev('node.started', { node: 'x' })];
    const held = mergeEvents([], [a!, b!]);
    expect(mergeEvents(held, [b!, c!]).map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(mergeEvents(held, [a!])).toBe(held);
  });
});
