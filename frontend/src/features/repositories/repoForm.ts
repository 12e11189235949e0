// The add-repository form's logic: what to check before sending, and which
// field an API error is about (a 422 says `field: message`; a 409 means the
// name is taken).
import { ApiError } from '../../api/client';

export type RepoField = 'name' | 'source';
export type RepoFieldErrors = Partial<Record<RepoField, string>>;

export interface RepoDraft {
  name: string;
  source: string;
}

/** What the API would refuse anyway, said before sending. */
export function checkRepoDraft(draft: RepoDraft): RepoFieldErrors {
  const errors: RepoFieldErrors = {};
  const name = draft.name.trim();
  if (!name) errors.name = 'Give the repository a name.';
  else if (name.length > 100) errors.name = 'At most 100 characters.';
  if (!draft.source.trim()) errors.source = 'Give a git URL or a directory on the server.';
  return errors;
}

/** The field an API error is about, with its message; `null` when it is about none. */
export function repoFieldErrors(error: unknown): RepoFieldErrors | null {
  if (!(error instanceof ApiError)) return null;
  if (error.code === 'validation') {
    const match = /^(name|source): (.+)$/s.exec(error.message);
    if (match) return { [match[1] as RepoField]: capitalize(match[2] ?? '') };
    return null;
  }
  if (error.code === 'conflict' || error.status === 409) return { name: 'A repository with this name already exists.' };
  return null;
}

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** `git@…`, `https://…` and friends are URLs; anything else is a directory on the server. */
export function sourceKind(source: string): 'git URL' | 'directory' {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(source) || /^[^/\s]+@[^:\s]+:/.test(source) ? 'git URL' : 'directory';
}
