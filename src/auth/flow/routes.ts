import type { InteractionFormPurpose } from '../../common/interaction.js';
import { STAGES, type Stage } from './sign-in-state.js';

/**
 * Every /interaction/:uid route, with the stage(s) of the sign-in it serves and the form token
 * it needs. This table is the one declaration: InteractionSessions.open refuses a route asked
 * for at another stage (GET: 303 to the current step; POST: 403; audited auth.flow.refused)
 * before any step runs, and checks the token of every POST.
 * `kind` says how the route answers: a page (GET), a form POST (303 or a page), or JSON to a script.
 */
export interface FlowRoute {
  method: 'GET' | 'POST';
  /** Relative to /interaction/:uid (the name audit records carry). */
  path: string;
  serves: readonly Stage[];
  kind: 'page' | 'form' | 'json';
  /** The form token a POST must carry: in the body's `csrf` field (forms) or `x-csrf-token` (scripts). */
  csrf?: InteractionFormPurpose;
}

const MFA: readonly Stage[] = ['challenge', 'enrolment_code', 'enrol'];

export const FLOW_ROUTES = {
  // The dispatcher's own page: whatever the stage, it shows (or sends the browser to) the current step.
  show: { method: 'GET', path: '', serves: STAGES, kind: 'page' },
  login: { method: 'POST', path: 'login', serves: ['identify'], kind: 'form', csrf: 'interaction' },
  discover: { method: 'POST', path: 'federation', serves: ['identify'], kind: 'form', csrf: 'interaction' },
  federate: { method: 'POST', path: 'federation/:idp', serves: ['identify'], kind: 'form', csrf: 'interaction' },
  federated: { method: 'GET', path: 'federation/complete', serves: ['identify'], kind: 'page' },
  mfa: { method: 'GET', path: 'mfa', serves: MFA, kind: 'page' },
  enrolmentCode: { method: 'POST', path: 'mfa/enrolment-code', serves: ['enrolment_code'], kind: 'form', csrf: 'interaction' },
  totp: { method: 'POST', path: 'mfa/totp', serves: ['challenge'], kind: 'form', csrf: 'interaction' },
  recovery: { method: 'POST', path: 'mfa/recovery', serves: ['challenge'], kind: 'form', csrf: 'interaction' },
  enrol: { method: 'POST', path: 'mfa/enrol', serves: ['enrol'], kind: 'form', csrf: 'interaction' },
  recoveryCodes: { method: 'GET', path: 'mfa/recovery-codes', serves: ['recovery_codes'], kind: 'page' },
  done: { method: 'POST', path: 'mfa/done', serves: ['recovery_codes'], kind: 'form', csrf: 'interaction' },
  authenticateOptions: { method: 'POST', path: 'mfa/webauthn/authenticate-options', serves: ['challenge'], kind: 'json', csrf: 'interaction' },
  authenticate: { method: 'POST', path: 'mfa/webauthn/authenticate', serves: ['challenge'], kind: 'json', csrf: 'interaction' },
  registerOptions: { method: 'POST', path: 'mfa/webauthn/register-options', serves: ['enrol'], kind: 'json', csrf: 'interaction' },
  register: { method: 'POST', path: 'mfa/webauthn/register', serves: ['enrol'], kind: 'json', csrf: 'interaction' },
  consent: { method: 'POST', path: 'consent', serves: ['consent'], kind: 'form', csrf: 'consent' },
  patient: { method: 'POST', path: 'patient', serves: ['consent'], kind: 'form', csrf: 'patient' },
  emergency: { method: 'GET', path: 'emergency', serves: ['identify'], kind: 'page' },
  emergencyStart: { method: 'POST', path: 'emergency', serves: ['identify'], kind: 'form', csrf: 'breakglass' },
  emergencyTotp: { method: 'POST', path: 'emergency/totp', serves: ['emergency_challenge'], kind: 'form', csrf: 'breakglass' },
  emergencyRecovery: { method: 'POST', path: 'emergency/recovery', serves: ['emergency_challenge'], kind: 'form', csrf: 'breakglass' },
  emergencyPasskeyOptions: { method: 'POST', path: 'emergency/webauthn-options', serves: ['emergency_challenge'], kind: 'json', csrf: 'breakglass' },
  emergencyPasskey: { method: 'POST', path: 'emergency/webauthn', serves: ['emergency_challenge'], kind: 'json', csrf: 'breakglass' },
} as const satisfies Record<string, FlowRoute>;

export type FlowRouteName = keyof typeof FLOW_ROUTES;

/** The page of the step a sign-in stands at (where a GET of another stage is sent). */
export function stageLocation(uid: string, stage: Stage): string {
  switch (stage) {
    case 'challenge':
    case 'enrolment_code':
    case 'enrol':
      return `/interaction/${uid}/mfa`;
    case 'recovery_codes':
      return `/interaction/${uid}/mfa/recovery-codes`;
    // The emergency factor's page is the dispatcher's own page at that stage.
    case 'identify':
    case 'emergency_challenge':
    case 'consent':
    case 'finish':
    case 'denied':
      return `/interaction/${uid}`;
  }
}
