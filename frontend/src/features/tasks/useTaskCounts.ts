import { api, type TaskStatus } from '../../api/client';
import { useAsync } from '../../hooks/useAsync';
import { TASK_STATUSES } from './statuses';

/** Counts above this show as "200+": the API has no count endpoint, so a page is counted. */
export const COUNT_CAP = 200;

export interface StatusCount {
  status: TaskStatus;
  count: number;
  /** More than `count` exist. */
  more: boolean;
}

export function useTaskCounts() {
  return useAsync(
    (signal) =>
      Promise.all(
        TASK_STATUSES.map(async (status): Promise<StatusCount> => {
          const page = await api.tasks.list({ status, limit: COUNT_CAP }, signal);
          return { status, count: page.tasks.length, more: Boolean(page.next_cursor) };
        }),
      ),
    [],
  );
}
