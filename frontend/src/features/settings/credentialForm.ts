// The add-credential form's logic: the request it sends, what to check
// before sending, and which field an API error is about (a 422 says
// `field: message`, never quoting the secret).
import { ApiError, type CreateCredentialRequest, type CredentialKind } from '../../api/client';

export const CREDENTIAL_KINDS: readonly CredentialKind[] = ['git_token', 'ssh_key'];

/** The user name a git token is sent with when none is given (the server's default). */
export const DEFAULT_GIT_USERNAME = 'x-access-token';

export function kindLabel(kind: CredentialKind): string {
  return kind === 'git_token' ? 'Git token' : 'SSH key';
}

export type CredentialField = 'host' | 'label' | 'username' | 'secret';
export type CredentialFieldErrors = Partial<Record<CredentialField, string>>;

export interface CredentialDraft {
  kind: CredentialKind;
  host: string;
  label: string;
  username: string;
  secret: string;
}

export const EMPTY_CREDENTIAL_DRAFT: CredentialDraft = { kind: 'git_token', host: '', label: '', username: '', secret: '' };

/** What the API would refuse anyway, said before sending. */
export function checkCredentialDraft(draft: CredentialDraft): CredentialFieldErrors {
  const errors: CredentialFieldErrors = {};
  if (!draft.host.trim()) errors.host = 'Give the host it is for, e.g. github.com.';
  if (!draft.secret.trim()) errors.secret = draft.kind === 'git_token' ? 'Paste the token.' : 'Paste the private key.';
  return errors;
}

/** The body to send: empty optional fields left out, a user name only for a git token. */
export function credentialRequest(draft: CredentialDraft): CreateCredentialRequest {
  const body: CreateCredentialRequest = { kind: draft.kind, host: draft.host.trim(), secret: draft.secret };
  const label = draft.label.trim();
  if (label) body.label = label;
  const username = draft.username.trim();
  if (draft.kind === 'git_token' && username) body.username = username;
  return body;
}

/** The field an API error is about, with its message; `null` when it is about none. */
export function credentialFieldErrors(error: unknown): CredentialFieldErrors | null {
  if (!(error instanceof ApiError) || error.code !== 'validation') return null;
  const match = /^(host|label|username|secret): (.+)$/s.exec(error.message);
  if (!match) return null;
  return { [match[1] as CredentialField]: capitalize(match[2] ?? '') };
}

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
