/**
 * The rules of brokered sign-in as pure functions: which IdP an email belongs to, whether an
 * upstream account may sign in, how its claims and groups become our profile and roles, whether
 * the upstream authentication counts as multi-factor, and how the account maps to a local user.
 */

export interface IdpRules {
  id: string;
  enabled: boolean;
  allowedDomains: string[];
  claimMapping: Record<string, string>;
  roleMapping: Record<string, string[]>;
  groupsClaim: string;
  trustUpstreamMfa: boolean;
  allowLinking: boolean;
}

export const PROFILE_FIELDS = ['email', 'givenName', 'familyName'] as const;
export type ProfileField = (typeof PROFILE_FIELDS)[number];

/** The part after the last `@`, lower-cased; undefined for anything that is not an address. */
export function emailDomain(email: unknown): string | undefined {
  if (typeof email !== 'string') return undefined;
  const at = email.lastIndexOf('@');
  if (at < 1 || at === email.length - 1) return undefined;
  return email.slice(at + 1).trim().toLowerCase();
}

/** An IdP without a domain list accepts any email; with one, only those domains (exact match). */
export function domainAllowed(allowedDomains: readonly string[], email: unknown): boolean {
  if (!allowedDomains.length) return true;
  const domain = emailDomain(email);
  return domain !== undefined && allowedDomains.some((d) => d.toLowerCase() === domain);
}

/** Home-realm discovery: the enabled IdP that lists the email's domain, if any. */
export function idpForEmail<T extends Pick<IdpRules, 'enabled' | 'allowedDomains'>>(idps: readonly T[], email: unknown): T | undefined {
  const domain = emailDomain(email);
  if (!domain) return undefined;
  return idps.find((idp) => idp.enabled && idp.allowedDomains.some((d) => d.toLowerCase() === domain));
}

export interface MappedProfile {
  email?: string;
  emailVerified: boolean;
  givenName?: string;
  familyName?: string;
}

/**
 * Upstream claims → our profile. Standard claims map by default (email, given_name,
 * family_name); the IdP's claim mapping (upstream claim → profile field) overrides them.
 * `email_verified` is taken only when the upstream says exactly `true`.
 */
export function mapProfile(claims: Record<string, unknown>, claimMapping: Record<string, string>): MappedProfile {
  const mapping: Record<string, string> = { email: 'email', given_name: 'givenName', family_name: 'familyName' };
  for (const [claim, field] of Object.entries(claimMapping)) {
    for (const [k, v] of Object.entries(mapping)) if (v === field) delete mapping[k];
    mapping[claim] = field;
  }
  const profile: MappedProfile = { emailVerified: claims.email_verified === true };
  for (const [claim, field] of Object.entries(mapping)) {
    const value = claims[claim];
    if (typeof value === 'string' && value.trim() && (PROFILE_FIELDS as readonly string[]).includes(field)) {
      profile[field as ProfileField] = value.trim().slice(0, field === 'email' ? 320 : 100);
    }
  }
  return profile;
}

/** Upstream groups (a string or a list in the IdP's groups claim) → our roles, through the role mapping only. */
export function mapRoles(claims: Record<string, unknown>, groupsClaim: string, roleMapping: Record<string, string[]>): string[] {
  const raw = claims[groupsClaim];
  const groups = Array.isArray(raw) ? raw.filter((g): g is string => typeof g === 'string') : typeof raw === 'string' ? [raw] : [];
  const roles = new Set<string>();
  for (const group of groups) for (const role of roleMapping[group] ?? []) roles.add(role);
  return [...roles].sort();
}

/** amr values (RFC 8176) that name a second factor or say several were used. */
const MULTI_FACTOR_AMR = new Set(['mfa', 'otp', 'hwk', 'swk', 'sms', 'fpt', 'face', 'iris', 'retina', 'vbm', 'sc']);

/**
 * The authentication methods the upstream sign-in counts for here: always `fed`; when the IdP
 * is trusted for MFA and its amr (or an acr naming MFA) shows more than a password, `mfa`
 * with the upstream methods, so our policy needs no local second factor.
 */
export function upstreamAuthentication(trusted: boolean, amr: unknown, acr: unknown): { amr: string[]; mfaSatisfied: boolean } {
  const upstream = Array.isArray(amr) ? amr.filter((a): a is string => typeof a === 'string' && /^[a-z0-9_-]{1,32}$/i.test(a)) : [];
  const acrSaysMfa = typeof acr === 'string' && /mfa|multi|loa[34]|aal[23]/i.test(acr);
  const mfaSatisfied = trusted && (upstream.some((a) => MULTI_FACTOR_AMR.has(a)) || acrSaysMfa);
  return mfaSatisfied ? { amr: [...new Set(['fed', ...upstream, 'mfa'])], mfaSatisfied } : { amr: ['fed'], mfaSatisfied: false };
}

export type AccountDecision =
  | { kind: 'existing'; userId: string }
  | { kind: 'link'; userId: string }
  | { kind: 'provision' }
  | { kind: 'refuse'; reason: 'account_exists_unlinkable' };

/**
 * Who the upstream account is here. A link (IdP, sub) wins; otherwise a local user with the
 * same email is linked only when the upstream verified the email and the IdP allows linking;
 * an unverified or unlinkable match is refused rather than given a second account with that
 * email. Nobody is ever found by email alone without those two conditions.
 */
export function decideAccount(input: {
  linkedUserId: string | null;
  /** The user the directory provisioned (SCIM) under this upstream account's id, if any. */
  userWithExternalId?: { id: string } | null;
  userWithEmail: { id: string } | null;
  emailVerified: boolean;
  allowLinking: boolean;
}): AccountDecision {
  if (input.linkedUserId) return { kind: 'existing', userId: input.linkedUserId };
  if (input.userWithExternalId) return { kind: 'link', userId: input.userWithExternalId.id };
  if (!input.userWithEmail) return { kind: 'provision' };
  if (input.emailVerified && input.allowLinking) return { kind: 'link', userId: input.userWithEmail.id };
  return { kind: 'refuse', reason: 'account_exists_unlinkable' };
}
