import { z } from 'zod';
import type { UserRecord } from '../users-admin.repository.js';

export const userResponseSchema = z.object({
  id: z.uuid(),
  email: z.string(),
  emailVerified: z.boolean(),
  givenName: z.string().nullable(),
  familyName: z.string().nullable(),
  status: z.enum(['active', 'disabled', 'locked', 'deleted']),
  roles: z.array(z.string()),
  effectiveRoles: z.array(z.string()).describe("the user's own roles and those of their groups: what they hold (and what ?role= matches)"),
  hasPassword: z.boolean(),
  lockedUntil: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type UserResponse = z.output<typeof userResponseSchema>;

export const createdUserResponseSchema = userResponseSchema.extend({
  passwordSetupLink: z.string().nullable().describe('single-use link for an invitation (in this response only)'),
  passwordSetupExpiresAt: z.string().nullable(),
});

export function toUserResponse(user: UserRecord): UserResponse {
  return {
    id: user.id,
    email: user.email,
    emailVerified: user.emailVerified,
    givenName: user.givenName,
    familyName: user.familyName,
    status: user.deletedAt ? 'deleted' : user.status,
    roles: user.roles,
    effectiveRoles: user.effectiveRoles,
    hasPassword: user.hasPassword,
    lockedUntil: user.lockedUntil?.toISOString() ?? null,
    createdAt: user.createdAt.toISOString(),
    updatedAt: user.updatedAt.toISOString(),
  };
}
