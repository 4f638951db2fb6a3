import { protectedRolesIn, type AdminRole } from '../admin/index.js';

/**
 * Rules: super-admin may administer anyone. Any other role may not grant or remove a protected
 * role (every admin role and the break-glass role, `protectedRoles` in admin), nor change,
 * disable, delete or reset a user who holds one: otherwise a user-admin could reset a
 * super-admin's password, give themselves more power, or hand out emergency access.
 */
export function mayAdministerUser(
  granted: readonly AdminRole[],
  breakGlassRole: string,
  currentRoles: readonly string[],
  nextRoles?: readonly string[],
): boolean {
  if (granted.includes('super-admin')) return true;
  return protectedRolesIn([...currentRoles, ...(nextRoles ?? [])], breakGlassRole).length === 0;
}
