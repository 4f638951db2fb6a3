import { isCoveredBy, parseScope } from './smart-scopes.js';

/** Scopes and claims, split as the OpenID Provider keeps them: OpenID Connect ones, and each resource's. */
export interface ScopeSet {
  oidcScopes: string[];
  oidcClaims: string[];
  resourceScopes: Record<string, string[]>;
}

export const EMPTY_SCOPES: ScopeSet = { oidcScopes: [], oidcClaims: [], resourceScopes: {} };

/** What the provider's consent prompt says is not granted yet (its `prompt.details`). */
export function missingFrom(details: Record<string, unknown> | undefined): ScopeSet {
  const d = (details ?? {}) as { missingOIDCScope?: unknown; missingOIDCClaims?: unknown; missingResourceScopes?: unknown };
  const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  const resources: Record<string, string[]> = {};
  if (d.missingResourceScopes && typeof d.missingResourceScopes === 'object') {
    for (const [indicator, scopes] of Object.entries(d.missingResourceScopes)) resources[indicator] = strings(scopes);
  }
  return { oidcScopes: strings(d.missingOIDCScope), oidcClaims: strings(d.missingOIDCClaims), resourceScopes: resources };
}

/** Union of two scope sets, in first-seen order. */
export function mergeScopes(a: ScopeSet, b: ScopeSet): ScopeSet {
  const union = (x: string[] = [], y: string[] = []) => [...new Set([...x, ...y])];
  const resourceScopes: Record<string, string[]> = { ...a.resourceScopes };
  for (const [indicator, scopes] of Object.entries(b.resourceScopes)) resourceScopes[indicator] = union(resourceScopes[indicator], scopes);
  return { oidcScopes: union(a.oidcScopes, b.oidcScopes), oidcClaims: union(a.oidcClaims, b.oidcClaims), resourceScopes };
}

/** Every scope name in a set (OpenID Connect and all resources'), once each. */
export function allScopes(s: ScopeSet): string[] {
  return [...new Set([...s.oidcScopes, ...Object.values(s.resourceScopes).flat()])];
}

export interface ConsentRecordView {
  granted: ScopeSet;
  expiresAt: Date;
  revokedAt: Date | null;
}

/**
 * Whether an earlier consent already covers what is missing. Rules: the consent stands (not
 * revoked, not expired); every missing OpenID Connect scope and claim was granted; every missing
 * resource scope lies within one granted for the same resource (SMART scopes by the algebra, so
 * `patient/Observation.rs` is inside a granted `patient/*.rs`).
 */
export function isConsentSatisfied(record: ConsentRecordView | null, missing: ScopeSet, now: Date): boolean {
  if (!record || record.revokedAt || record.expiresAt <= now) return false;
  if (!isCoveredBy(missing.oidcScopes, record.granted.oidcScopes)) return false;
  if (!missing.oidcClaims.every((c) => record.granted.oidcClaims.includes(c))) return false;
  return Object.entries(missing.resourceScopes).every(([indicator, scopes]) => isCoveredBy(scopes, record.granted.resourceScopes[indicator] ?? []));
}

export type ConsentRoute = 'first_party' | 'covered' | 'ask';

/**
 * How the consent step proceeds. Rules: a client marked first-party never shows the page (the
 * skip is recorded); an app that asks for `prompt=consent` gets the page; an earlier consent
 * covering everything missing finishes silently; anything else asks the user.
 */
export function consentRoute(input: { firstParty: boolean; promptRequested: boolean; record: ConsentRecordView | null; missing: ScopeSet; now: Date }): ConsentRoute {
  if (input.firstParty) return 'first_party';
  if (input.promptRequested) return 'ask';
  return isConsentSatisfied(input.record, input.missing, input.now) ? 'covered' : 'ask';
}

/**
 * The launch context a request needs. Rules: `launch/patient`, or any `patient/` clinical scope
 * (SMART: granting one means establishing a patient), needs a patient; `launch/encounter` asks
 * for an encounter (given when the chosen patient entry carries one).
 */
export function launchNeeds(scopes: readonly string[]): { patient: boolean; encounter: boolean } {
  const parsed = scopes.map(parseScope);
  return {
    patient: scopes.includes('launch/patient') || parsed.some((s) => s.kind === 'clinical' && s.context === 'patient'),
    encounter: scopes.includes('launch/encounter'),
  };
}

export interface PatientOption {
  patientId: string;
  displayName: string;
  encounterId: string | null;
}

export type PatientChoice =
  | { kind: 'not-needed' }
  | { kind: 'none-available' }
  | { kind: 'chosen'; patient: PatientOption }
  | { kind: 'pick'; patients: PatientOption[] };

/**
 * Which patient a launch opens. Rules: nothing to choose when no patient is needed; a selection
 * counts only if it is one of the user's options (never an id the browser made up); one option
 * is chosen without asking; several are offered on the picker; none means the launch cannot
 * proceed.
 */
export function choosePatient(needed: boolean, options: readonly PatientOption[], selected?: unknown): PatientChoice {
  if (!needed) return { kind: 'not-needed' };
  const picked = typeof selected === 'string' ? options.find((o) => o.patientId === selected) : undefined;
  if (picked) return { kind: 'chosen', patient: picked };
  if (options.length === 0) return { kind: 'none-available' };
  if (options.length === 1) return { kind: 'chosen', patient: options[0]! };
  return { kind: 'pick', patients: [...options] };
}
