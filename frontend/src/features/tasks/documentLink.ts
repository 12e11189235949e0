import type { Task } from '../../api/client';

/**
 * The document a finished `doc` task wrote (`result.document_id` and
 * `version`), as a link to its page; `null` for any other task.
 */
export function documentLink(task: Pick<Task, 'kind' | 'status' | 'result'>): string | null {
  if (task.kind !== 'doc' || task.status !== 'done') return null;
  const result = task.result;
  if (typeof result !== 'object' || result === null) return null;
  const { document_id: id, version } = result as { document_id?: unknown; version?: unknown };
  if (typeof id !== 'string' || !id) return null;
  const query = typeof version === 'number' && Number.isSafeInteger(version) && version > 0 ? `?version=${version}` : '';
  return `/documents/${encodeURIComponent(id)}${query}`;
}
