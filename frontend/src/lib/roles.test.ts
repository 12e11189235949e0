import { describe, expect, it } from 'vitest';
import { atLeast, canManage, grantableRoles } from './roles';

describe('roles', () => {
  it('follows the backend rules', () => {
    expect(atLeast('admin', 'member')).toBe(true);
    expect(atLeast('viewer', 'member')).toBe(false);
    expect(canManage('owner', 'owner')).toBe(true);
    expect(canManage('admin', 'owner')).toBe(false);
    expect(canManage('member', 'viewer')).toBe(false);
    expect(grantableRoles('admin')).toEqual(['viewer', 'member', 'admin']);
    expect(grantableRoles('member')).toEqual([]);
  });
});
