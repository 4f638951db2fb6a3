/**
 * Rules: a user's effective roles are their own roles plus the roles of every group they
 * belong to, distinct, own roles first; their groups are the groups' names, sorted. Every reader of
 * roles for authorisation or claims (the `roles` claim, MFA_ALWAYS_ROLES, admin person roles,
 * break-glass designation) reads these, never the own roles alone.
 */
export function effectiveRoles(own: readonly string[], groups: ReadonlyArray<{ name: string; roles: readonly string[] }>): { roles: string[]; groups: string[] } {
  const roles = new Set(own);
  for (const g of groups) for (const r of g.roles) roles.add(r);
  return { roles: [...roles], groups: groups.map((g) => g.name).sort((a, b) => a.localeCompare(b)) };
}
