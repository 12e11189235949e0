// The role order and rules of `core/src/role.rs`, for hiding what the API would refuse.
import type { Role } from '../api/client';

export const ROLES: readonly Role[] = ['viewer', 'member', 'admin', 'owner'];

export function atLeast(role: Role, least: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(least);
}

export function isManager(role: Role): boolean {
  return atLeast(role, 'admin');
}

/** Owners manage everyone, admins everyone below owner, others no one. */
export function canManage(actor: Role, other: Role): boolean {
  if (actor === 'owner') return true;
  if (actor === 'admin') return other !== 'owner';
  return false;
}

/** The roles `actor` may hand out (new members, role changes, API keys). */
export function grantableRoles(actor: Role): Role[] {
  return ROLES.filter((r) => canManage(actor, r));
}
