import { z } from 'zod';
import type { AppConfig } from '../config/index.js';

/**
 * The bounds of every runtime policy. Lifetimes use exactly the bounds of the environment
 * variables in src/config/config.schema.ts, so an administrator can never set what an operator
 * could not; the password length never drops below NIST's 12 or above 128.
 */
const whole = (min: number, max: number, unit = '') =>
  z
    .number({ error: `must be a whole number${unit} from ${min} to ${max}` })
    .int(`must be a whole number${unit} from ${min} to ${max}`)
    .min(min, `must be at least ${min}${unit}`)
    .max(max, `must be at most ${max}${unit}`);
const seconds = (min: number, max: number) => whole(min, max, ' of seconds');

export const LIFETIME_BOUNDS = {
  accessToken: [60, 3600],
  idToken: [60, 3600],
  clientCredentials: [60, 3600],
  authorizationCode: [10, 600],
  refreshTokenIdle: [300, 86400],
  refreshTokenAbsolute: [3600, 7 * 86400],
  sessionIdle: [5, 8 * 3600],
  sessionAbsolute: [900, 24 * 3600],
} as const;
export type LifetimeName = keyof typeof LIFETIME_BOUNDS;

const lifetimesShape = Object.fromEntries(
  Object.entries(LIFETIME_BOUNDS).map(([name, [min, max]]) => [name, seconds(min, max)]),
) as { [K in LifetimeName]: ReturnType<typeof seconds> };

const roleName = z.string().regex(/^[a-z0-9][a-z0-9:_-]{0,63}$/, 'must be a lowercase role name');

export const policyDocumentSchema = z
  .strictObject({
    password: z.strictObject({ minLength: whole(12, 128), maxLength: whole(12, 128) }),
    mfa: z.strictObject({
      policy: z.enum(['required', 'optional'], { error: 'must be required or optional' }),
      alwaysRoles: z.array(roleName).max(50),
    }),
    lifetimes: z.strictObject(lifetimesShape),
    lockout: z.strictObject({
      threshold: whole(3, 20),
      durationSeconds: seconds(60, 86400),
      ipFailureBudget: whole(5, 10000),
    }),
    /** dualControl: high-risk admin acts wait for a second super-admin (see src/approvals). */
    admin: z.strictObject({ dualControl: z.boolean({ error: 'must be true or false' }) }),
  })
  .superRefine((doc, ctx) => {
    if (doc.password.maxLength < doc.password.minLength) {
      ctx.addIssue({ code: 'custom', path: ['password', 'maxLength'], message: 'must not be less than password.minLength' });
    }
    if (doc.lifetimes.sessionIdle > doc.lifetimes.sessionAbsolute) {
      ctx.addIssue({ code: 'custom', path: ['lifetimes', 'sessionIdle'], message: 'must not exceed lifetimes.sessionAbsolute' });
    }
    if (doc.lifetimes.refreshTokenIdle > doc.lifetimes.refreshTokenAbsolute) {
      ctx.addIssue({ code: 'custom', path: ['lifetimes', 'refreshTokenIdle'], message: 'must not exceed lifetimes.refreshTokenAbsolute' });
    }
  });
export type PolicyDocument = z.output<typeof policyDocumentSchema>;

/** A change: any subset of each section; the merged document is validated whole. */
export const policyPatchSchema = z.strictObject({
  password: z.strictObject({ minLength: z.unknown(), maxLength: z.unknown() }).partial().optional(),
  mfa: z.strictObject({ policy: z.unknown(), alwaysRoles: z.unknown() }).partial().optional(),
  lifetimes: z.strictObject(Object.fromEntries(Object.keys(LIFETIME_BOUNDS).map((k) => [k, z.unknown()]))).partial().optional(),
  lockout: z.strictObject({ threshold: z.unknown(), durationSeconds: z.unknown(), ipFailureBudget: z.unknown() }).partial().optional(),
  admin: z.strictObject({ dualControl: z.unknown() }).partial().optional(),
});
export type PolicyPatch = z.output<typeof policyPatchSchema>;

/** The policies the environment sets: the starting point until an administrator changes one. */
export function defaultPolicies(config: Pick<AppConfig, 'ttl' | 'mfa' | 'signIn'>): PolicyDocument {
  const { interaction: _interaction, ...lifetimes } = config.ttl;
  return {
    password: { minLength: 12, maxLength: 128 },
    mfa: { policy: config.mfa.policy, alwaysRoles: [...config.mfa.alwaysRoles] },
    lifetimes,
    lockout: {
      threshold: config.signIn.lockoutThreshold,
      durationSeconds: config.signIn.lockoutSeconds,
      ipFailureBudget: config.signIn.ipFailureBudget,
    },
    // Off until an organisation with two or more super-admins turns it on (the posture report asks).
    admin: { dualControl: false },
  };
}

/** The merged document (section by section); validation happens on the result. */
export function applyPatch(current: PolicyDocument, patch: PolicyPatch): unknown {
  const merged: Record<string, unknown> = {};
  for (const key of ['password', 'mfa', 'lifetimes', 'lockout', 'admin'] as const) {
    merged[key] = { ...current[key], ...(patch[key] ?? {}) };
  }
  return merged;
}

/** Dotted names of the fields whose values differ. */
export function changedPolicyFields(before: PolicyDocument, after: PolicyDocument): string[] {
  const changed: string[] = [];
  for (const section of Object.keys(after) as Array<keyof PolicyDocument>) {
    for (const [field, value] of Object.entries(after[section])) {
      if (JSON.stringify(value) !== JSON.stringify((before[section] as Record<string, unknown>)[field])) changed.push(`${section}.${field}`);
    }
  }
  return changed;
}

/**
 * Rules (the weakenings an auditor wants called out): a lifetime longer than the environment's
 * default, a shorter minimum password, MFA made optional, a laxer lockout.
 */
export function weakenedPolicyFields(defaults: PolicyDocument, next: PolicyDocument): string[] {
  const weaker: string[] = [];
  for (const name of Object.keys(LIFETIME_BOUNDS) as LifetimeName[]) {
    if (next.lifetimes[name] > defaults.lifetimes[name]) weaker.push(`lifetimes.${name}`);
  }
  if (next.password.minLength < defaults.password.minLength) weaker.push('password.minLength');
  if (next.mfa.policy === 'optional' && defaults.mfa.policy === 'required') weaker.push('mfa.policy');
  if (next.lockout.threshold > defaults.lockout.threshold) weaker.push('lockout.threshold');
  if (next.lockout.durationSeconds < defaults.lockout.durationSeconds) weaker.push('lockout.durationSeconds');
  if (next.lockout.ipFailureBudget > defaults.lockout.ipFailureBudget) weaker.push('lockout.ipFailureBudget');
  return weaker;
}

/**
 * Rules (the changes that dual control holds for a second super-admin): MFA made optional,
 * a role dropped from mfa.alwaysRoles, and dual control itself turned off. Compared with the
 * policies in force, not the defaults: any step down is high-risk.
 */
export function highRiskPolicyFields(before: PolicyDocument, after: PolicyDocument): string[] {
  const fields: string[] = [];
  if (before.mfa.policy === 'required' && after.mfa.policy === 'optional') fields.push('mfa.policy');
  if (before.mfa.alwaysRoles.some((r) => !after.mfa.alwaysRoles.includes(r))) fields.push('mfa.alwaysRoles');
  if (before.admin.dualControl && !after.admin.dualControl) fields.push('admin.dualControl');
  return fields;
}
