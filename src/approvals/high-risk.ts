import { ADMIN_ROLES, roleScope, type AdminRole } from '../admin/admin-roles.js';

/**
 * The roles whose grant is a high-risk act under dual control: super-admin and key-admin (who
 * can sign for the whole service) and the break-glass role (emergency access).
 */
export function highRiskRoles(breakGlassRole: string): readonly string[] {
  return ['super-admin', 'key-admin', breakGlassRole];
}

/** The high-risk roles that `next` grants and `current` does not hold (an empty list: no grant). */
export function grantsHighRiskRole(current: readonly string[], next: readonly string[] | undefined, breakGlassRole: string): string[] {
  const risky = new Set(highRiskRoles(breakGlassRole));
  return (next ?? []).filter((r) => risky.has(r) && !current.includes(r));
}

/**
 * What a group change grants: the high-risk roles some member gains through the group (a new
 * member gains every high-risk role the group will carry; one who stays gains those the group did
 * not carry before) and who gains them. A group with no members grants nobody anything.
 */
export function groupGrantsHighRiskRole(
  current: { roles: readonly string[]; members: readonly string[] } | null,
  next: { roles: readonly string[]; members: readonly string[] },
  breakGlassRole: string,
): { granted: string[]; members: string[] } {
  const granted = new Set<string>();
  const members: string[] = [];
  for (const member of next.members) {
    const before = current?.members.includes(member) ? current.roles : [];
    const gained = grantsHighRiskRole(before, next.roles, breakGlassRole);
    if (gained.length) members.push(member);
    gained.forEach((r) => granted.add(r));
  }
  return { granted: next.roles.filter((r) => granted.has(r)), members };
}

/** The admin scopes a client carries a high-risk role by (admin:super-admin, admin:key-admin). */
export function highRiskAdminScopes(): string[] {
  return highRiskRoles('').filter((r): r is AdminRole => (ADMIN_ROLES as readonly string[]).includes(r)).map(roleScope);
}

/** The high-risk admin scopes that a client's `next` scope ceiling adds to `current` (an empty list: no grant). */
export function grantsHighRiskScope(current: readonly string[], next: readonly string[] | undefined): string[] {
  const risky = new Set(highRiskAdminScopes());
  return (next ?? []).filter((s) => risky.has(s) && !current.includes(s));
}
