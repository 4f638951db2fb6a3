/**
 * Whether a sign-in needs a second factor, decided in one place. Rules, first match wins:
 * 1. the app asked for the MFA level (acr_values / step-up) → required;
 * 2. the user holds a role that always needs MFA (super-admin by default) → required;
 * 3. the client's own policy (`required` or `optional`) decides;
 * 4. otherwise the deployment policy (MFA_POLICY, `required` unless weakened explicitly).
 * A user who enrolled a factor is challenged even where MFA is optional.
 */
export type MfaPolicyValue = 'required' | 'optional';

export const ACR_PASSWORD = 'urn:caduceus:acr:pwd';
export const ACR_MFA = 'urn:caduceus:acr:mfa';

export interface MfaDecisionInput {
  deploymentPolicy: MfaPolicyValue;
  clientPolicy?: MfaPolicyValue;
  userRoles: readonly string[];
  alwaysRoles: readonly string[];
  mfaRequested: boolean;
  userHasFactor: boolean;
}

export function mfaRequired(input: MfaDecisionInput): boolean {
  if (input.mfaRequested) return true;
  if (input.userRoles.some((r) => input.alwaysRoles.includes(r))) return true;
  if (input.userHasFactor) return true;
  if (input.clientPolicy) return input.clientPolicy === 'required';
  return input.deploymentPolicy === 'required';
}

/** True when the request asks for the MFA level (acr_values is a space-separated preference list). */
export function mfaRequested(acrValues: unknown): boolean {
  return typeof acrValues === 'string' && acrValues.split(' ').includes(ACR_MFA);
}
