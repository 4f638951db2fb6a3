import type { Configuration, KoaContextWithOIDC } from 'oidc-provider';
import type { DisclosureRecorder, EmergencyPolicy, OidcPorts } from './oidc.ports.js';
import { isEmergencyAmr, signInOf } from './provider-lifetimes.js';
import { withScopePolicy } from './provider-smart.js';

type TokenRef = { clientId?: string; scope?: string };

/**
 * Which claims each scope releases. How the user authenticated (acr, amr, auth_time) belongs in
 * every ID token, so apps that show PHI can tell a password from a second factor without asking
 * for it specially; an emergency token says so (emergency_access, breakglass_session).
 */
export const SCOPE_CLAIMS: NonNullable<Configuration['claims']> = {
  auth_time: null,
  sid: null,
  iss: null,
  openid: ['sub', 'acr', 'amr', 'auth_time', 'emergency_access', 'breakglass_session'],
  email: ['email', 'email_verified'],
  profile: ['name', 'given_name', 'family_name'],
  roles: ['roles'],
  groups: ['groups'],
  fhirUser: ['fhirUser'],
};

/**
 * An account's claims: identity's (through `findClaims`), the SMART account claims (fhirUser,
 * from the scope policy: a query, so only when the token's scope asks for them) and, in an ID
 * token of an emergency sign-in, the emergency claims.
 */
export function findAccount(
  ports: Pick<OidcPorts, 'scopePolicy' | 'emergencyPolicy'>,
  findClaims: (accountId: string) => Promise<Record<string, unknown> | null>,
): NonNullable<Configuration['findAccount']> {
  return async (ctx, accountId, token) => {
    const claims = await findClaims(accountId);
    if (!claims) return undefined;
    const extra = async (scope: string | undefined) =>
      scope === undefined || scope.split(' ').includes('fhirUser')
        ? ((await withScopePolicy(ports.scopePolicy, (p) => p.accountClaims(accountId))) ?? {})
        : {};
    return {
      accountId,
      claims: async (use: string, scope?: string) => ({
        ...(await extra(scope)),
        ...claims,
        ...(use === 'id_token' ? await emergencyClaims(ports.emergencyPolicy, ctx, 'IdToken', token as TokenRef) : undefined),
        sub: accountId,
      }),
    };
  };
}

/** Claims of an access token: the SMART launch context and, in an emergency session, the emergency claims; the disclosure recorded first. */
export function extraTokenClaims(ports: OidcPorts): NonNullable<Configuration['extraTokenClaims']> {
  return async (ctx, token) => {
    const smart = await withScopePolicy(ports.scopePolicy, (p) => p.extraTokenClaims(ctx, token));
    const emergency = await emergencyClaims(ports.emergencyPolicy, ctx, 'AccessToken', token as TokenRef);
    await recordDisclosure(ports.disclosureRecorder, token, smart, emergency);
    return emergency ? { ...smart, ...emergency } : smart;
  };
}

/** Awaited: a token that discloses a patient's context is not issued without its record. */
async function recordDisclosure(
  recorder: DisclosureRecorder,
  token: unknown,
  smart: Record<string, unknown> | undefined,
  emergency: Record<string, unknown> | undefined,
): Promise<void> {
  const t = token as { clientId?: string; accountId?: string; scope?: string; grantId?: string };
  if (typeof smart?.patient !== 'string' || !t.clientId) return;
  await recorder.record({
    patientId: smart.patient,
    encounterId: typeof smart.encounter === 'string' ? smart.encounter : null,
    clientId: t.clientId,
    accountId: t.accountId ?? null,
    scope: t.scope ?? null,
    grantId: t.grantId ?? null,
    breakGlassSession: typeof emergency?.breakglass_session === 'string' ? emergency.breakglass_session : null,
  });
}

async function emergencyClaims(
  policy: EmergencyPolicy,
  ctx: KoaContextWithOIDC | undefined,
  kind: 'IdToken' | 'AccessToken',
  token: TokenRef | undefined,
): Promise<Record<string, unknown> | undefined> {
  const signIn = signInOf(ctx);
  if (!signIn || !isEmergencyAmr(signIn.amr) || !signIn.accountId || !signIn.authTime) return undefined;
  return policy.tokenClaims({
    accountId: signIn.accountId,
    loginTs: signIn.authTime,
    clientId: token?.clientId ?? signIn.clientId ?? '',
    kind,
    scope: token?.scope ?? signIn.scope ?? null,
  });
}
