import { useEffect, useState } from 'react';
import { ApiError, FINAL_EVENTS, streamTaskEvents, type TaskEvent } from '../../api/client';
import { mergeEvents } from './timeline';

export type Connection = 'connecting' | 'live' | 'reconnecting' | 'ended' | 'failed';

export interface TaskEvents {
  events: TaskEvent[];
  connection: Connection;
  error: unknown;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });

/**
 * A task's events, live: everything so far, then each new one as it happens.
 * Reconnects after the last event it holds when the stream drops, and stops
 * for good after the task's final event.
 */
export function useTaskEvents(taskId: string): TaskEvents {
  const [state, setState] = useState<TaskEvents & { taskId: string }>({ taskId, events: [], connection: 'connecting', error: undefined });

  useEffect(() => {
    const controller = new AbortController();
    const { signal } = controller;
    setState({ taskId, events: [], connection: 'connecting', error: undefined });
    void (async () => {
      let after = 0;
      let quietDrops = 0;
      while (!signal.aborted) {
        let received = 0;
        try {
          for await (const event of streamTaskEvents(taskId, after, signal)) {
            received++;
            after = Math.max(after, event.seq);
            const final = FINAL_EVENTS.has(event.kind);
            setState((s) => ({
              ...s,
              events: mergeEvents(s.events, [event]),
              connection: final ? 'ended' : 'live',
              error: undefined,
            }));
            if (final) return;
          }
          if (received === 0) setState((s) => ({ ...s, connection: s.connection === 'connecting' ? 'live' : s.connection }));
        } catch (e) {
          if (signal.aborted) return;
          if (e instanceof ApiError && e.status >= 400 && e.status < 500) {
            setState((s) => ({ ...s, connection: 'failed', error: e }));
            return;
          }
          setState((s) => ({ ...s, error: e }));
        }
        // The stream ended before the task did (server restart, proxy timeout, lost network).
        quietDrops = received > 0 ? 0 : quietDrops + 1;
        if (quietDrops > 8) {
          setState((s) => ({ ...s, connection: 'failed' }));
          return;
        }
        setState((s) => ({ ...s, connection: 'reconnecting' }));
        await sleep(Math.min(500 * 2 ** quietDrops, 10_000), signal);
      }
    })();
    return () => controller.abort();
  }, [taskId]);

  // Until the effect resets it, state may still describe the previous task.
  if (state.taskId !== taskId) return { events: [], connection: 'connecting', error: undefined };
  return { events: state.events, connection: state.connection, error: state.error };
}
