import { api, type TaskStatus } from '../../api/client';
import { useAsync } from '../../hooks/useAsync';
import { TASK_STATUSES } from './statuses';

export interface StatusCount {
  status: TaskStatus;
  count: number;
}

/** How many of the tenant's tasks are in each status (every status, 0 included), and in all. */
export function useTaskCounts() {
  return useAsync(async (signal) => {
    const { counts, total } = await api.tasks.counts(signal);
    const byStatus = TASK_STATUSES.map((status): StatusCount => ({ status, count: counts[status] ?? 0 }));
    return { byStatus, total };
  }, []);
}
