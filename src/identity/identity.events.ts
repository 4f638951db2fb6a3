/** Events the identity module emits. */
export interface IdentityEvents {
  'user.created': { userId: string; email: string; roles: string[]; withPassword: boolean };
  'user.password.changed': { userId: string; reason: 'set' | 'changed' | 'rehashed' };
  'user.locked': { userId: string; until: string; failures: number };
  /** Listeners end the user's sessions and revoke their tokens before the call returns. */
  'user.disabled': { userId: string };
  'user.enabled': { userId: string };
  /** An administrator changed profile fields or roles; before/after hold only the non-secret fields. */
  'user.updated': { userId: string; changed: string[]; before: UserSnapshot; after: UserSnapshot };
  /** Deactivated and anonymised; listeners end the user's sessions, tokens and factors before the call returns. */
  'user.deleted': { userId: string };
  /** An administrator set a new password (`set`) or issued a single-use reset link (`link`). */
  'user.password.reset': { userId: string; method: 'set' | 'link' };
  /** A single-use password setup link was issued (an invitation or a reset); never the link itself. */
  'user.password.link_issued': { userId: string; purpose: 'invitation' | 'reset'; expiresAt: string };
  /**
   * A person gained a protected role (an admin role or the break-glass role), directly or through
   * a group. Published in the grant's unit of work, after their unused setup links were voided;
   * listeners void what else someone with less authority may have prepared for them.
   */
  'user.protected_role_granted': { userId: string; roles: string[]; via: 'user' | 'group'; groupId?: string; setupLinksVoided: number };
  /** A group was created (by an administrator or the directory through SCIM). */
  'group.created': { groupId: string; after: GroupSnapshot };
  /** A group's name, external id, roles or members changed; members are user ids. */
  'group.updated': { groupId: string; changed: string[]; before: GroupSnapshot; after: GroupSnapshot };
  'group.deleted': { groupId: string; before: GroupSnapshot };
}

/** The fields of a group an audit record shows (members as user ids). */
export interface GroupSnapshot {
  displayName: string;
  externalId: string | null;
  roles: string[];
  members: string[];
}

/** The fields of a user an audit record may show before and after a change. */
export interface UserSnapshot {
  email: string;
  emailVerified: boolean;
  givenName: string | null;
  familyName: string | null;
  roles: string[];
  status: string;
  /** The directory's id (SCIM externalId), when the user has one. */
  externalId?: string | null;
}

// Adds these events to the bus's EventMap (declaration merging: events/ imports no module).
declare module '../events/event-map.js' {
  interface EventMap extends IdentityEvents {}
}
