import { describe, expect, it } from 'vitest';
import { ApiError } from '../../api/client';
import { checkCredentialDraft, credentialFieldErrors, credentialRequest, EMPTY_CREDENTIAL_DRAFT } from './credentialForm';

describe('credentialForm', () => {
  it('sends optional fields only when given, a user name only with a token', () => {
    expect(credentialRequest({ ...EMPTY_CREDENTIAL_DRAFT, host: ' GitHub.com ', label: '  ', username: ' ', secret: 't' })).toEqual({
      kind: 'git_token',
      host: 'GitHub.com',
      secret: 't',
    });
    expect(credentialRequest({ kind: 'ssh_key', host: 'h', label: ' deploy ', username: 'bot', secret: 'k' })).toEqual({
      kind: 'ssh_key',
      host: 'h',
      label: 'deploy',
      secret: 'k',
    });
  });

  it('asks for a host and a secret before sending', () => {
    expect(checkCredentialDraft(EMPTY_CREDENTIAL_DRAFT)).toEqual({ host: expect.any(String), secret: 'Paste the token.' });
    expect(checkCredentialDraft({ ...EMPTY_CREDENTIAL_DRAFT, kind: 'ssh_key', host: 'h' })).toEqual({ secret: 'Paste the private key.' });
  });

  it('maps a 422 to the field it names, and nothing else', () => {
    expect(credentialFieldErrors(new ApiError(422, 'validation', 'secret: a git token must have 1 to 500 characters'))).toEqual({
      secret: 'A git token must have 1 to 500 characters',
    });
    expect(credentialFieldErrors(new ApiError(422, 'validation', 'username: no `:`'))).toEqual({ username: 'No `:`' });
    expect(credentialFieldErrors(new ApiError(422, 'validation', 'something else'))).toBeNull();
    expect(credentialFieldErrors(new ApiError(403, 'forbidden', 'host: x'))).toBeNull();
    expect(credentialFieldErrors(new Error('host: x'))).toBeNull();
  });
});
