import type { FastifyReply } from 'fastify';
import type Provider from 'oidc-provider';
import type { Transaction } from '../database/index.js';
import type { SafeHtml } from '../ui/html.js';

/**
 * What every sign-in step's pages share, defined once: the shape of an interaction id (checked
 * before anything is loaded), the interaction's details as oidc-provider hands them out, and
 * the two answers a step's route gives (an HTML page, or a 303 to the next place). Every answer
 * is no-store: sign-in pages carry CSRF tokens and personal data.
 */
export const INTERACTION_UID = /^[A-Za-z0-9_-]{10,64}$/;

export type InteractionDetails = Awaited<ReturnType<Provider['interactionDetails']>>;

/** Sends a page: only a SafeHtml (built by the `html` template), never a hand-made string. */
export function htmlReply(reply: FastifyReply, status: number, html: SafeHtml): void {
  reply.code(status).header('Cache-Control', 'no-store').type('text/html; charset=utf-8').send(html.toString());
}

export function seeOther(reply: FastifyReply, location: string): void {
  reply.code(303).header('Cache-Control', 'no-store').header('Location', location).send();
}

/**
 * What a sign-in step answers, instead of touching the reply or the provider itself: a page, a
 * 303 elsewhere (inside the sign-in or to an upstream IdP), a script's JSON answer, a login it
 * proved, the interaction's result, or a refusal (the app gets access_denied). The dispatcher
 * (src/auth/flow) turns each into the HTTP answer and is the only caller of interactionResult.
 */
export type StepOutcome =
  | { kind: 'page'; status: number; html: SafeHtml }
  | { kind: 'goto'; location: string }
  | { kind: 'json'; status: number; body: unknown }
  | { kind: 'proven'; login: ProvenLogin }
  | { kind: 'finish'; result: InteractionResult; merge?: boolean; continueAt?: string }
  | { kind: 'deny'; error: 'access_denied'; description: string };

/** A login a step proved; the dispatcher marks it (acr, the emergency amr) and hands it on. */
export interface ProvenLogin {
  accountId: string;
  /** RFC 8176 methods proven in this interaction. */
  amr: string[];
  /** A second factor was proven (the MFA level, acr); an upstream's amr alone never says so. */
  secondFactor: boolean;
  /** The sign-in is an emergency (break-glass) session that began at `ts` (seconds) and is not remembered. */
  emergency?: { ts: number };
}

/** oidc-provider's interaction result, as far as the steps fill it in. */
export type InteractionResult = {
  login?: { accountId: string; amr?: string[]; acr?: string; ts?: number; remember?: boolean };
  consent?: { grantId?: string };
  error?: string;
  error_description?: string;
  [key: string]: unknown;
};

export const page = (status: number, html: SafeHtml): StepOutcome => ({ kind: 'page', status, html });
export const goto = (location: string): StepOutcome => ({ kind: 'goto', location });
export const json = (status: number, body: unknown): StepOutcome => ({ kind: 'json', status, body });
export const deny = (description: string): StepOutcome => ({ kind: 'deny', error: 'access_denied', description });

/** Scopes and claims on a provider grant (the shape consent/ records). */
export interface GrantedScopes {
  oidcScopes: string[];
  oidcClaims: string[];
  resourceScopes: Record<string, string[]>;
}

/**
 * The port the dispatcher hands the consent step, so it grants without speaking to
 * oidc-provider: the app's display name, and adding what is missing to a provider grant.
 */
export interface InteractionGrants {
  /** The client (its display name, when it has one), or null when it no longer exists. */
  client(clientId: string): Promise<{ name?: string } | null>;
  /**
   * Adds `missing` to the grant `reuse` (or to a new grant of accountId/clientId when reuse is
   * undefined), saves it and returns its id and everything it now grants for `resources`.
   * Throws when `reuse` names a grant that no longer exists.
   */
  grant(input: { reuse?: string; accountId: string; clientId: string; missing: GrantedScopes; resources: string[] }): Promise<{ grantId: string; granted: GrantedScopes }>;
}

/** The forms of a sign-in; each CSRF token is bound to the interaction and to one of these. */
export type InteractionFormPurpose = 'interaction' | 'consent' | 'patient' | 'breakglass';

/** What the dispatcher hands a step with each request: the interaction, loaded once, and its form tokens. */
export interface StepContext {
  uid: string;
  details: InteractionDetails;
  /** The client this interaction is for (null when the request named none). */
  clientId: string | null;
  ip: string | null;
  csrf(purpose: InteractionFormPurpose): Promise<string>;
}

/**
 * The sign-in state row as a second-factor step reads it (the dispatcher in src/auth/flow owns
 * the row; a step sees the data and changes it only through SignInStore). Factors are the ones
 * proven in this interaction.
 */
export interface SignInRecord {
  userId: string;
  /** The amr the login will carry (the first step's, plus an enrolled factor's). */
  amr: string[];
  proven: readonly string[];
  mfaFailures: number;
  enrolmentFactorId: string | null;
  recoveryCodesShown: boolean;
  factorEnrolled: boolean;
  enrolmentAllowed: boolean;
  /** An emergency (break-glass) sign-in: its typed reason and the user's own factor it asks for; null otherwise. */
  emergency: EmergencyChallenge | null;
}

export interface EmergencyChallenge {
  justification: string;
  factor: 'totp' | 'webauthn';
}

/** A step's context at the stage that proves a first factor (it may open the sign-in state row). */
export interface SignInBeginContext extends StepContext {
  /**
   * Opens this interaction's sign-in state row after a first factor; with `emergency`, the row
   * stands at the emergency challenge (the emergency password and reason proven, the user's own factor due).
   */
  beginSignIn(first: { userId: string; amr: string[]; emergency?: EmergencyChallenge }): Promise<void>;
}

/** What a step may change in this interaction's sign-in state row (the dispatcher implements it). */
export interface SignInStore {
  /** Counts one wrong answer and returns the new total. */
  addFailure(): Promise<number>;
  setChallenge(challenge: string): Promise<void>;
  /** The stored WebAuthn challenge, cleared as it is taken (answered once). */
  takeChallenge(): Promise<string | null>;
  setEnrolmentFactor(factorId: string): Promise<void>;
  /**
   * A factor was enrolled and proven here: its amr joins the sign-in's. With `tx`, in the
   * transaction that stores the factor and its audit record (all or nothing, should the
   * process die in between).
   */
  markEnrolled(amr: string[], tx?: Transaction): Promise<void>;
  /** True once, and only after a factor was enrolled and proven in this interaction; with `tx`, in the transaction that stores the codes. */
  claimRecoveryCodesShowing(tx?: Transaction): Promise<boolean>;
  allowEnrolment(): Promise<void>;
  /** The sign-in ends here (attempts used up). */
  finish(): Promise<void>;
}

/** A step's context at a stage that has a sign-in state row (every second-factor stage). */
export interface SignInStepContext extends StepContext {
  readonly signIn: SignInRecord;
  readonly store: SignInStore;
}
