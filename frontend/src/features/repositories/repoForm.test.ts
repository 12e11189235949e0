import { describe, expect, it } from 'vitest';
import { ApiError } from '../../api/client';
import { checkRepoDraft, repoFieldErrors, sourceKind } from './repoForm';

describe('repository form', () => {
  it('checks the draft before sending', () => {
    expect(checkRepoDraft({ name: ' ', source: '' })).toEqual({
      name: 'Give the repository a name.',
      source: 'Give a git URL or a directory on the server.',
    });
    expect(checkRepoDraft({ name: 'x'.repeat(101), source: 'https://example.com/a.git' })).toEqual({
      name: 'At most 100 characters.',
    });
    expect(checkRepoDraft({ name: 'docs', source: '/srv/docs' })).toEqual({});
  });

  it('puts API errors on their field', () => {
    expect(repoFieldErrors(new ApiError(422, 'validation', 'source: unsupported URL scheme `ftp` (use https, http, ssh or file)'))).toEqual({
      source: 'Unsupported URL scheme `ftp` (use https, http, ssh or file)',
    });
    expect(repoFieldErrors(new ApiError(422, 'validation', 'name: must be 1 to 100 characters'))).toEqual({
      name: 'Must be 1 to 100 characters',
    });
    expect(repoFieldErrors(new ApiError(409, 'conflict', 'repository already exists'))).toEqual({
      name: 'A repository with this name already exists.',
    });
    expect(repoFieldErrors(new ApiError(422, 'validation', 'something else'))).toBeNull();
    expect(repoFieldErrors(new ApiError(403, 'forbidden', 'no'))).toBeNull();
    expect(repoFieldErrors(new Error('x'))).toBeNull();
  });

  it('tells URLs from directories', () => {
    expect(sourceKind('https://github.com/a/b.git')).toBe('git URL');
    expect(sourceKind('git@github.com:a/b.git')).toBe('git URL');
    expect(sourceKind('/srv/repos/b')).toBe('directory');
  });
});
