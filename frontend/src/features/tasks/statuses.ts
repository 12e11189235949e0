import type { TaskStatus } from '../../api/client';

export const TASK_STATUSES: readonly TaskStatus[] = ['queued', 'running', 'waiting_approval', 'done', 'failed', 'canceled'];

export function isTaskStatus(value: string | null): value is TaskStatus {
  return value !== null && (TASK_STATUSES as readonly string[]).includes(value);
}
