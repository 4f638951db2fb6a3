import type { AdminRole } from '../admin/index.js';
import { ADMIN_ROLE_NAMES } from './users.schemas.js';

/**
 * Rules: super-admin may administer anyone. Any other role may not grant or remove an admin
 * role (super-admin, user-admin, client-admin, key-admin, auditor), nor change, disable,
 * delete or reset a user who holds one: otherwise a user-admin could reset a super-admin's
 * password, or give themselves more power.
 */
export function mayAdministerUser(granted: readonly AdminRole[], currentRoles: readonly string[], nextRoles?: readonly string[]): boolean {
  if (granted.includes('super-admin')) return true;
  return ![...currentRoles, ...(nextRoles ?? [])].some((role) => ADMIN_ROLE_NAMES.includes(role));
}
