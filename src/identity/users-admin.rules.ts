import { ProblemError, protectedRolesIn, type AdminRole } from '../admin/index.js';

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

/**
 * The same rule for acts on what a person holds rather than on the person (their sessions and
 * grants, from the admin API): ending a super-admin's sessions or grants kills their admin
 * token, so a user-admin could lock every super-admin out (say, before they reject a pending
 * change). Only super-admin acts on a holder of a protected role, direct or through a group.
 */
export async function assertMayActOnUser(
  identity: { findById(id: string): Promise<{ roles: string[] } | null> },
  granted: readonly AdminRole[],
  breakGlassRole: string,
  userId: string,
  act = 'end the sessions or grants',
): Promise<void> {
  const user = await identity.findById(userId);
  if (user && !mayAdministerUser(granted, breakGlassRole, user.roles)) {
    throw new ProblemError({
      type: 'about:blank',
      title: 'Forbidden',
      status: 403,
      detail: `only super-admin may ${act} of a user who holds an admin role or the break-glass role`,
    });
  }
}
