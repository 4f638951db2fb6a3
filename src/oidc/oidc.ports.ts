import { Inject, Injectable } from '@nestjs/common';
import type { KoaContextWithOIDC } from 'oidc-provider';

/**
 * What the OpenID Provider asks of other modules, as ports: oidc/ declares each one (a token
 * and its interface) and the composition root (src/app/oidc-ports.module.ts) binds it to the
 * module that answers. oidc/ imports none of them, and none of them imports oidc/.
 */

/** Consent's SMART scope narrowing and launch context (consent/smart-scope.policy.ts). */
export const OIDC_SCOPE_POLICY = 'OIDC_SCOPE_POLICY';
/** Break-glass's marking of tokens issued in an emergency session (breakglass/). */
export const OIDC_EMERGENCY_POLICY = 'OIDC_EMERGENCY_POLICY';
/** Compliance's accounting of disclosures (compliance/disclosures.service.ts). */
export const OIDC_DISCLOSURE_RECORDER = 'OIDC_DISCLOSURE_RECORDER';
/** Where the browser goes first after a logout here (federation/upstream-logout.ts). */
export const OIDC_LOGOUT_CONTINUATION = 'OIDC_LOGOUT_CONTINUATION';
/** Whether a request needs a second factor for this person and app (auth/mfa.step.ts, the MFA policy). */
export const OIDC_SECOND_FACTOR_POLICY = 'OIDC_SECOND_FACTOR_POLICY';

/**
 * The MFA policy as an authorization request inside an existing session meets it: a session
 * proven with one factor must not satisfy an app (or a person's role) that requires two.
 */
export interface SecondFactorPolicy {
  /** True when this person signing in to this client needs a second factor (client, deployment and role policy). */
  requiredFor(input: { accountId: string; clientId: string; acrValues: unknown }): Promise<boolean>;
}

/** SMART scope narrowing and launch context, asked at request time. */
export interface ScopePolicy {
  /** Resolves the SMART `launch` parameter of an authorization request (throw a ScopePolicyRefusal to refuse). */
  checkLaunch(ctx: KoaContextWithOIDC): Promise<void>;
  /** Validates the SMART `aud` authorization parameter (throw a ScopePolicyRefusal to refuse). */
  checkAudience(ctx: KoaContextWithOIDC, value: string | undefined): Promise<void>;
  /** Narrows `ctx.oidc.params.scope` to the client's ceiling, refusing malformed SMART scopes. */
  shapeRequest(ctx: KoaContextWithOIDC, client: { clientId: string; resource_scopes?: string[] }): Promise<void>;
  /** The resource a SMART request is for when it names none (its FHIR server). */
  defaultResource(ctx: KoaContextWithOIDC): Promise<string | undefined>;
  /** The resource server description of a FHIR server this service protects, or undefined for any other indicator. */
  resourceServerInfo(ctx: KoaContextWithOIDC, indicator: string): Promise<Record<string, unknown> | undefined>;
  /** False when a request must not reuse the grant of the browser session (a new launch context is needed). */
  mayReuseSessionGrant(ctx: KoaContextWithOIDC): Promise<boolean>;
  /** Launch context and fhirUser of an access token. */
  extraTokenClaims(ctx: KoaContextWithOIDC, token: unknown): Promise<Record<string, unknown> | undefined>;
  /** Claims an account has beyond identity's (fhirUser). */
  accountClaims(accountId: string): Promise<Record<string, unknown>>;
}

/**
 * How a ScopePolicy refuses a request: it throws an Error carrying `oauthError`, and the
 * provider answers with that OAuth error and the error's message as its description. Any
 * other error is a failure, not a refusal.
 */
export interface ScopePolicyRefusal extends Error {
  readonly oauthError: 'invalid_scope' | 'invalid_request' | 'invalid_target';
}

export function isScopePolicyRefusal(err: unknown): err is ScopePolicyRefusal {
  const code = (err as { oauthError?: unknown } | null)?.oauthError;
  return err instanceof Error && (code === 'invalid_scope' || code === 'invalid_request' || code === 'invalid_target');
}

/** The claims marking a token issued in an emergency session. */
export interface EmergencyPolicy {
  /** Claims for a token of this sign-in (account, login time), or undefined outside a live emergency session; audits the issue. */
  tokenClaims(input: { accountId: string; loginTs: number; clientId: string; kind: 'IdToken' | 'AccessToken'; scope: string | null }): Promise<Record<string, unknown> | undefined>;
}

/** A token that carries a patient's launch context, for the accounting of disclosures (45 CFR 164.528). */
export interface Disclosure {
  patientId: string;
  encounterId: string | null;
  clientId: string;
  accountId: string | null;
  scope: string | null;
  grantId: string | null;
  breakGlassSession: string | null;
}

export interface DisclosureRecorder {
  /** Awaited before the token is issued: a token that discloses a patient's context is not issued without its record. */
  record(disclosure: Disclosure): Promise<void>;
}

/** The session that has just ended here, and where the browser was about to be sent. */
export interface EndedSession {
  accountId: string;
  /** The session's authentication methods (`fed` for a sign-in through an upstream IdP). */
  amr: string[];
  /** The client's post_logout_redirect_uri (with its state), or our own "signed out" page. */
  continueTo: string;
}

/**
 * At the end of a logout: a URL to send the browser to first (which must bring it back to
 * `continueTo` in the end), or null to go there directly.
 */
export type LogoutContinuation = (ended: EndedSession) => Promise<string | null>;

/** The ports, as the provider's configuration receives them. */
@Injectable()
export class OidcPorts {
  constructor(
    @Inject(OIDC_SCOPE_POLICY) readonly scopePolicy: ScopePolicy,
    @Inject(OIDC_EMERGENCY_POLICY) readonly emergencyPolicy: EmergencyPolicy,
    @Inject(OIDC_DISCLOSURE_RECORDER) readonly disclosureRecorder: DisclosureRecorder,
    @Inject(OIDC_LOGOUT_CONTINUATION) readonly logoutContinuation: LogoutContinuation,
    @Inject(OIDC_SECOND_FACTOR_POLICY) readonly secondFactor: SecondFactorPolicy,
  ) {}
}
