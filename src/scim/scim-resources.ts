import type { GroupRecord, UserRecord } from '../identity/users-admin.module.js';
import { ScimError } from './scim.errors.js';

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
/** Caduceus's extension of Group: the roles the group grants its members. */
export const GROUP_ROLES_SCHEMA = 'urn:caduceus:params:scim:schemas:extension:2.0:Group';
export const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const SCIM_BASE = '/scim/v2';

/** SCIM's ETag of a resource version (weak, RFC 7644 §3.14), also its meta.version. */
export const scimVersion = (version: number): string => `W/"${version}"`;

/** A person as SCIM shows them: userName is the email; roles are the user's own roles. */
export function toScimUser(user: UserRecord, issuer: string, groups: Array<{ id: string; displayName: string }> = []): Record<string, unknown> {
  const formatted = [user.givenName, user.familyName].filter(Boolean).join(' ');
  return {
    schemas: [USER_SCHEMA],
    id: user.id,
    ...(user.externalId ? { externalId: user.externalId } : {}),
    userName: user.email,
    name: {
      ...(formatted ? { formatted } : {}),
      ...(user.givenName ? { givenName: user.givenName } : {}),
      ...(user.familyName ? { familyName: user.familyName } : {}),
    },
    ...(formatted ? { displayName: formatted } : {}),
    emails: [{ value: user.email, type: 'work', primary: true }],
    active: user.status !== 'disabled',
    roles: user.roles.map((value) => ({ value })),
    groups: groups.map((g) => ({ value: g.id, display: g.displayName, $ref: `${base(issuer)}/Groups/${g.id}` })),
    meta: meta('User', user.id, user.createdAt, user.updatedAt, user.version, issuer),
  };
}

export function toScimGroup(group: GroupRecord, issuer: string): Record<string, unknown> {
  return {
    schemas: [GROUP_SCHEMA, GROUP_ROLES_SCHEMA],
    id: group.id,
    ...(group.externalId ? { externalId: group.externalId } : {}),
    displayName: group.displayName,
    members: group.members.map((m) => ({ value: m.id, display: m.email, $ref: `${base(issuer)}/Users/${m.id}` })),
    [GROUP_ROLES_SCHEMA]: { roles: [...group.roles] },
    meta: meta('Group', group.id, group.createdAt, group.updatedAt, group.version, issuer),
  };
}

function meta(resourceType: string, id: string, created: Date, lastModified: Date, version: number, issuer: string) {
  return {
    resourceType,
    created: created.toISOString(),
    lastModified: lastModified.toISOString(),
    location: `${base(issuer)}/${resourceType}s/${id}`,
    version: scimVersion(version),
  };
}

export const base = (issuer: string): string => `${issuer.replace(/\/+$/, '')}${SCIM_BASE}`;

export interface ScimUserInput {
  email: string;
  externalId: string | null | undefined;
  givenName: string | null;
  familyName: string | null;
  active: boolean;
  /** Undefined: the request did not name roles (they stay as they are). */
  roles: string[] | undefined;
}

/**
 * Rules: userName is required and is the person's email address (Caduceus identifies people by
 * email); `active` is a boolean or, as Entra ID sends it, the string "True"/"False" (any case);
 * roles are `[{ value }]` or plain strings. id, meta and groups are read-only and ignored here.
 */
export function readScimUser(body: unknown): ScimUserInput {
  const b = asObject(body, 'the body');
  const userName = b.userName;
  if (typeof userName !== 'string' || !userName.trim()) throw invalidValue('userName is required');
  const email = userName.trim();
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) || email.length > 320) throw invalidValue('userName must be an email address');
  const name = b.name === undefined || b.name === null ? {} : asObject(b.name, 'name');
  return {
    email,
    externalId: optionalString(b.externalId, 'externalId', 255),
    givenName: optionalString(name.givenName, 'name.givenName', 100) ?? null,
    familyName: optionalString(name.familyName, 'name.familyName', 100) ?? null,
    active: readActive(b.active),
    roles: b.roles === undefined ? undefined : readRoles(b.roles),
  };
}

export function readActive(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(true|false)$/i.test(value.trim())) return value.trim().toLowerCase() === 'true';
  throw invalidValue('active must be true or false');
}

function readRoles(value: unknown): string[] {
  if (!Array.isArray(value)) throw invalidValue('roles must be a list');
  return value.map((r) => {
    const role = typeof r === 'string' ? r : typeof r === 'object' && r !== null ? (r as { value?: unknown }).value : undefined;
    if (typeof role !== 'string' || !/^[a-z0-9][a-z0-9:_-]{0,63}$/.test(role)) throw invalidValue('roles: each value must be a lowercase role name');
    return role;
  });
}

export interface ScimGroupInput {
  displayName: string;
  externalId: string | null | undefined;
  members: string[];
  roles: string[] | undefined;
}

export function readScimGroup(body: unknown): ScimGroupInput {
  const b = asObject(body, 'the body');
  if (typeof b.displayName !== 'string' || !b.displayName.trim()) throw invalidValue('displayName is required');
  const members = b.members === undefined || b.members === null ? [] : b.members;
  if (!Array.isArray(members)) throw invalidValue('members must be a list');
  const ext = b[GROUP_ROLES_SCHEMA] === undefined ? undefined : asObject(b[GROUP_ROLES_SCHEMA], GROUP_ROLES_SCHEMA);
  return {
    displayName: b.displayName,
    externalId: optionalString(b.externalId, 'externalId', 255),
    members: members.map((m) => {
      const value = typeof m === 'object' && m !== null ? (m as { value?: unknown }).value : undefined;
      if (typeof value !== 'string') throw invalidValue('members: each member needs a value (the user id)');
      return value;
    }),
    roles: ext?.roles === undefined ? undefined : readRoles(ext.roles),
  };
}

function asObject(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidValue(`${what} must be a JSON object`);
  return value as Record<string, unknown>;
}

function optionalString(value: unknown, field: string, max: number): string | null | undefined {
  if (value === undefined) return undefined;
  if (value === null) return null;
  if (typeof value !== 'string') throw invalidValue(`${field} must be a string`);
  const v = value.trim();
  if (!v) return null;
  if (v.length > max) throw invalidValue(`${field} must be at most ${max} characters`);
  return v;
}

export function invalidValue(detail: string): ScimError {
  return new ScimError(400, 'invalidValue', detail);
}
