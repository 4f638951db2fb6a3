/** Admin roles, the scopes that carry them in access tokens, and the authorisation rule. */
/** smart-launch: an EHR system that creates SMART launch contexts (POST /admin/v1/smart/launches) and nothing else. */
/** `provisioning`: the SCIM 2.0 service provider (/scim/v2) only, for the directory's provisioning client. */
export const ADMIN_ROLES = ['super-admin', 'user-admin', 'client-admin', 'key-admin', 'auditor', 'smart-launch', 'provisioning'] as const;
export type AdminRole = (typeof ADMIN_ROLES)[number];

/** Resource indicator (RFC 8707) and audience of admin API access tokens. */
export const ADMIN_RESOURCE = 'urn:caduceus:admin';

export const roleScope = (role: AdminRole): string => `admin:${role}`;
export const ADMIN_SCOPES = ADMIN_ROLES.map(roleScope);

/**
 * Rules (the one spelling of admin scopes): an admin scope is exactly `admin:<role>` in lowercase,
 * for a role of ADMIN_ROLES. Any other scope whose lowercase form starts with `admin:`
 * (`ADMIN:smart-launch`, `Admin:super-admin`, `admin:superadmin`) is not an admin scope but
 * looks like one, to people and to any consumer that folds case: it is refused wherever scopes
 * are registered, and never counts in a token.
 */
export function isLookalikeAdminScope(scope: string): boolean {
  return scope.toLowerCase().startsWith('admin:') && !(ADMIN_SCOPES as readonly string[]).includes(scope);
}

/** The message for a refused lookalike, naming the exact spelling when one was meant. */
export function lookalikeAdminScopeMessage(scope: string): string {
  const meant = ADMIN_SCOPES.find((s) => s === scope.toLowerCase());
  return meant
    ? `admin scopes are lowercase: write ${meant}, not ${scope}`
    : `the admin: prefix is reserved for admin scopes (${ADMIN_SCOPES.join(', ')})`;
}

/** Roles carried by a token's space-separated `scope`, compared exactly (no case folding); unknown scopes are ignored. */
export function rolesFromScope(scope: unknown): AdminRole[] {
  if (typeof scope !== 'string') return [];
  const granted = new Set(scope.split(' '));
  return ADMIN_ROLES.filter((role) => granted.has(roleScope(role)));
}

/**
 * Rules: super-admin may do everything; otherwise the caller needs one of the roles the route
 * names. A route that names no role is reachable by super-admin only (fail closed).
 */
export function isAuthorised(granted: readonly AdminRole[], required: readonly AdminRole[]): boolean {
  if (granted.includes('super-admin')) return true;
  return required.some((role) => granted.includes(role));
}

/** The admin scopes (`admin:<role>`) among a list of scopes. */
export function adminScopesIn(scopes: readonly string[]): string[] {
  const admin = new Set<string>(ADMIN_SCOPES);
  return scopes.filter((s) => admin.has(s));
}

/**
 * Rules: only super-admin may give a principal (a client's scope ceiling, later a user's roles)
 * any admin scope, or change a principal that already holds one; otherwise a client-admin
 * could mint or take over a super-admin client.
 */
export function mayHandleAdminScopes(granted: readonly AdminRole[], scopes: readonly string[]): boolean {
  return granted.includes('super-admin') || adminScopesIn(scopes).length === 0;
}

/**
 * Protected roles: every admin role and the break-glass role. Only super-admin may grant or
 * remove one, through any surface (admin API, CLI, provisioning); this is the one definition.
 */
export function protectedRoles(breakGlassRole: string): readonly string[] {
  return [...ADMIN_ROLES, breakGlassRole];
}

/** The protected roles (see `protectedRoles`) among a list of role names. */
export function protectedRolesIn(roles: readonly string[], breakGlassRole: string): string[] {
  const guarded = new Set(protectedRoles(breakGlassRole));
  return roles.filter((r) => guarded.has(r));
}
