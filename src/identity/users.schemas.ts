import { z } from 'zod';

const roleName = z.string().regex(/^[a-z0-9][a-z0-9:_-]{0,63}$/, 'must be a lowercase role name');
const name = z.string().trim().min(1, 'must not be empty').max(100);
const email = z.email('must be a valid email address').max(320);

export const createUserSchema = z
  .strictObject({
    email,
    emailVerified: z.boolean().default(false),
    givenName: name.optional(),
    familyName: name.optional(),
    roles: z.array(roleName).max(50).default([]),
    password: z.string().min(1, 'must not be empty').max(1024).optional().describe('initial password, checked by the password policy'),
    invite: z.boolean().optional().describe('true: no password; the response carries a single-use link where the user sets one'),
  })
  .superRefine((body, ctx) => {
    if ((body.password !== undefined) === (body.invite === true)) {
      ctx.addIssue({ code: 'custom', path: ['password'], message: 'give either an initial password or invite: true, not both or neither' });
    }
  });
export type CreateUserInput = z.output<typeof createUserSchema>;

export const updateUserSchema = z
  .strictObject({
    email: email.optional(),
    emailVerified: z.boolean().optional(),
    givenName: name.nullable().optional(),
    familyName: name.nullable().optional(),
    roles: z.array(roleName).max(50).optional(),
  })
  .refine((b) => Object.values(b).some((v) => v !== undefined), { message: 'name at least one field to change' });
export type UpdateUserInput = z.output<typeof updateUserSchema>;

export const resetPasswordSchema = z
  .strictObject({
    password: z.string().min(1, 'must not be empty').max(1024).optional().describe('the new password, checked by the password policy'),
    link: z.boolean().optional().describe('true: issue a single-use reset link instead (the current password stops working)'),
  })
  .superRefine((body, ctx) => {
    if ((body.password !== undefined) === (body.link === true)) {
      ctx.addIssue({ code: 'custom', path: ['password'], message: 'give either a new password or link: true, not both or neither' });
    }
  });
export type ResetPasswordInput = z.output<typeof resetPasswordSchema>;

export const userIdParam = z.uuid('must be a user id (UUID)');
