// Plain helpers for showing a repository.
import type { Repository } from '../../api/client';

/** `12 of 40 files` while indexing; nothing otherwise. */
export function progressText(repo: Repository): string | null {
  if (repo.status !== 'indexing') return null;
  if (repo.progress_total <= 0) return 'starting…';
  return `${repo.progress_done} of ${repo.progress_total} files`;
}
