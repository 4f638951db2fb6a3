import { protectedRolesIn } from '../admin/index.js';
import { ScimError } from './scim.errors.js';

/**
 * Rules: provisioning may never grant or remove a protected role (every admin role and the
 * break-glass role: `protectedRolesIn`, the one definition): not as a user's own role, not
 * through a group that grants one, and it may not change, deactivate or delete a user who
 * holds one (own or through a group), nor change a group that grants one. Only a super-admin
 * does that, through the admin API. Returns the refusal to throw, or undefined.
 */
export function provisioningRefusal(breakGlassRole: string, held: readonly string[], next: readonly string[] = []): ScimError | undefined {
  const protectedHeld = protectedRolesIn(held, breakGlassRole);
  const protectedNext = protectedRolesIn(next, breakGlassRole);
  if (!protectedHeld.length && !protectedNext.length) return undefined;
  const roles = [...new Set([...protectedHeld, ...protectedNext])].join(', ');
  return new ScimError(
    403,
    undefined,
    `provisioning may never grant or remove a protected role (${roles}), nor change an account or group that holds one: a super-admin does that through the admin API`,
  );
}
