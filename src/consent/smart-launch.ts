/**
 * Pure decisions of the SMART EHR launch (#21): whether a stored launch may serve an
 * authorization request, and whether the person signing in is the one the EHR launched for.
 * Exported so the sign-in dispatcher can call them as they are.
 */

/** A SMART 2.x `fhirContext` item: a reference, or a canonical / identifier, with an optional role. */
export interface FhirContextItem {
  reference?: string;
  canonical?: string;
  identifier?: { system?: string; value: string };
  type?: string;
  role?: string;
}

/** The context an EHR put into a launch, as the app's token response will carry it. */
export interface LaunchContext {
  patient: string;
  encounter: string | null;
  fhirContext: FhirContextItem[];
  intent: string | null;
  needPatientBanner: boolean | null;
  smartStyleUrl: string | null;
}

export interface StoredLaunch {
  id: string;
  clientId: string;
  fhirBase: string;
  userId: string | null;
  fhirUser: string | null;
  context: LaunchContext;
  createdAt: Date;
  expiresAt: Date;
  usedAt: Date | null;
}

export type LaunchRefusalReason = 'unknown' | 'expired' | 'used' | 'other_client' | 'other_fhir_base';

/**
 * Rules: the launch exists; it has not expired; it was not used before; it was created for
 * the client asking; the request's `aud` names the FHIR server the launch was created for
 * (trailing slashes ignored). The first failing rule is the reason; null means usable.
 */
export function launchRefusal(launch: StoredLaunch | null, request: { clientId: string; aud: string | undefined; now: Date }): LaunchRefusalReason | null {
  if (!launch) return 'unknown';
  if (launch.expiresAt <= request.now) return 'expired';
  if (launch.usedAt) return 'used';
  if (launch.clientId !== request.clientId) return 'other_client';
  if ((request.aud ?? '').replace(/\/+$/, '') !== launch.fhirBase) return 'other_fhir_base';
  return null;
}

/**
 * Whether the person who signed in is the one the EHR launched for. Rules: a launch naming a
 * local user id admits only that account; a launch naming a fhirUser admits only an account
 * whose fhirUser is that same reference (relative or absolute against the launch's FHIR base);
 * when it names both, both must hold. An account without a fhirUser never matches a fhirUser.
 */
export function launchUserMatches(
  launch: Pick<StoredLaunch, 'userId' | 'fhirUser' | 'fhirBase'>,
  account: { id: string; fhirUser: string | null },
): boolean {
  if (!launch.userId && !launch.fhirUser) return false;
  if (launch.userId && launch.userId.toLowerCase() !== account.id.toLowerCase()) return false;
  if (launch.fhirUser) {
    if (!account.fhirUser) return false;
    const relative = (ref: string) => (ref.startsWith(`${launch.fhirBase}/`) ? ref.slice(launch.fhirBase.length + 1) : ref);
    if (relative(launch.fhirUser) !== relative(account.fhirUser)) return false;
  }
  return true;
}

/** The SMART token response parameters of a launch context (only those the EHR set). */
export function launchTokenParameters(context: LaunchContext): Record<string, unknown> {
  const out: Record<string, unknown> = { patient: context.patient };
  if (context.encounter) out.encounter = context.encounter;
  if (context.fhirContext.length) out.fhirContext = context.fhirContext;
  if (context.intent) out.intent = context.intent;
  if (context.needPatientBanner !== null) out.need_patient_banner = context.needPatientBanner;
  if (context.smartStyleUrl) out.smart_style_url = context.smartStyleUrl;
  return out;
}
