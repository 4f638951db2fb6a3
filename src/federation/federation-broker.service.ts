import { Inject, Injectable } from '@nestjs/common';
import * as oidc from 'openid-client';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { EventBus, type EventActor } from '../events/index.js';
import { IdentityService, type User } from '../identity/index.js';
import { decideAccount, domainAllowed, idpForEmail, mapProfile, mapRoles, upstreamAuthentication } from './federation-decisions.js';
import { FederationError, FederationErrorCode } from './federation.errors.js';
import type { FederationFailureReason } from './federation.events.js';
import { FederationRepository, type FlowRow, type IdpRow } from './federation.repository.js';
import { IdentityProvidersService } from './identity-providers.service.js';
import { UpstreamClients } from './upstream-clients.js';
import { FEDERATION_SESSION_ENDER, type LocalSessionEnder } from './federation-ports.js';
import { verifyLogoutToken, type LogoutClaims } from './logout-token.js';

/** What a verified upstream sign-in means here, kept on the flow until the interaction takes it. */
export interface FederatedLogin {
  idpId: string;
  userId: string;
  /** `fed`, plus the upstream methods and `mfa` when a trusted upstream did multi-factor. */
  amr: string[];
  mfaSatisfied: boolean;
}

export interface FlowRequest {
  upstream: { code_verifier: string; nonce: string; state: string };
  clientId: string | null;
}

export interface SignInContext {
  interactionUid: string | null;
  clientId: string | null;
  ip: string | null;
}

const FEDERATION_ACTOR: EventActor = { type: 'system', id: 'federation' };

/**
 * The broker: starts an upstream sign-in for an interaction (PKCE, state, nonce kept
 * server-side), turns a verified upstream ID token into a local user (JIT provisioning or a
 * guarded link), and hands the result to the interaction that started it, once.
 */
@Injectable()
export class FederationBroker {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly repo: FederationRepository,
    private readonly idps: IdentityProvidersService,
    private readonly upstream: UpstreamClients,
    private readonly identity: IdentityService,
    private readonly bus: EventBus,
    @Inject(FEDERATION_SESSION_ENDER) private readonly sessions: LocalSessionEnder,
  ) {}

  get callbackUrl(): string {
    return this.upstream.callbackUrl;
  }

  /** The enabled IdPs, for the sign-in page's buttons. */
  async signInOptions(): Promise<Array<{ id: string; displayName: string; logoUri: string | null; homeRealm: boolean }>> {
    return (await this.idps.list())
      .filter((i) => i.enabled)
      .map((i) => ({ id: i.id, displayName: i.displayName, logoUri: i.logoUri, homeRealm: i.allowedDomains.length > 0 }));
  }

  /** Home-realm discovery: the IdP whose allowed domains hold the email's domain. */
  async discover(email: string): Promise<IdpRow | undefined> {
    return idpForEmail(await this.idps.list(), email);
  }

  /** Returns the upstream authorization URL the browser goes to next. */
  async begin(interactionUid: string, idpId: string, clientId: string | null, loginHint?: string): Promise<string> {
    const idp = /^[a-z0-9][a-z0-9-]{0,62}$/.test(idpId) ? await this.idps.find(idpId) : null;
    if (!idp || !idp.enabled) throw new FederationError(FederationErrorCode.SIGN_IN_FAILED, `identity provider ${idpId} is not available`, { reason: 'idp_disabled' });
    const config = await this.upstream.configuration(idp);
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: this.callbackUrl,
      scope: idp.scopes.join(' '),
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      ...(loginHint ? { login_hint: loginHint } : {}),
    });
    const request: FlowRequest = { upstream: { code_verifier: codeVerifier, nonce, state }, clientId };
    await this.repo.insertFlow({ state, interactionUid, idpId, request: request as unknown as Record<string, unknown> }, this.config.ttl.interaction);
    return url.href;
  }

  /** The flow a callback's `state` names, with its IdP's configuration; null when unknown or expired. */
  async flowForCallback(state: string): Promise<{ flow: FlowRow; config: oidc.Configuration } | null> {
    const flow = await this.repo.findFlow(state);
    if (!flow || flow.result) return null;
    const idp = await this.idps.find(flow.idpId);
    if (!idp || !idp.enabled) return null;
    return { flow, config: await this.upstream.configuration(idp) };
  }

  /**
   * Called with tokens openid-client has validated (signature against the upstream JWKS, iss,
   * aud, nonce, PKCE, state): maps the upstream account to a local user and records the result.
   */
  async resolve(flow: FlowRow, tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers): Promise<FederatedLogin> {
    const idp = await this.idps.get(flow.idpId);
    const idClaims = tokens.claims();
    if (!idClaims) throw failure('invalid_upstream_response', 'the upstream returned no ID token');
    let claims: Record<string, unknown> = { ...idClaims };
    if (idp.useUserinfo) {
      const config = await this.upstream.configuration(idp);
      const info = await oidc.fetchUserInfo(config, tokens.access_token, idClaims.sub);
      claims = { ...info, ...pick(idClaims, ['sub', 'iss', 'aud', 'amr', 'acr', 'auth_time']) };
    }
    const profile = mapProfile(claims, idp.claimMapping);
    if (!profile.email) throw failure('email_missing', 'the upstream account has no email');
    if (!domainAllowed(idp.allowedDomains, profile.email)) throw failure('domain_not_allowed', 'the email domain is not allowed for this IdP');

    const subject = idClaims.sub;
    const linkedUserId = await this.repo.findLinkedUser(idp.id, subject);
    // SCIM and sign-in agree on one account by the directory's id (Entra ID's oid, else the subject), never by email alone.
    const userWithExternalId = linkedUserId ? null : await this.provisionedUser(idp.allowedDomains, idClaims.oid, subject);
    const userWithEmail = linkedUserId || userWithExternalId ? null : await this.identity.findByEmail(profile.email);
    const decision = decideAccount({ linkedUserId, userWithExternalId, userWithEmail, emailVerified: profile.emailVerified, allowLinking: idp.allowLinking });
    let userId: string;
    switch (decision.kind) {
      case 'existing':
        userId = decision.userId;
        break;
      case 'link':
        userId = await this.repo.link(idp.id, subject, decision.userId, profile.email);
        await this.bus.publish('federation.user.linked', { idpId: idp.id, userId }, { actor: FEDERATION_ACTOR });
        break;
      case 'provision': {
        const roles = mapRoles(claims, idp.groupsClaim, idp.roleMapping);
        const user = await this.identity.createUser(
          { email: profile.email, emailVerified: profile.emailVerified, givenName: profile.givenName, familyName: profile.familyName, roles },
          FEDERATION_ACTOR,
        );
        userId = await this.repo.link(idp.id, subject, user.id, profile.email);
        await this.bus.publish('federation.user.provisioned', { idpId: idp.id, userId: user.id, roles }, { actor: FEDERATION_ACTOR });
        break;
      }
      case 'refuse':
        throw failure(decision.reason, 'a local account has this email and may not be linked');
    }
    const user = await this.identity.findById(userId);
    if (!user || user.status === 'disabled') throw failure('user_disabled', 'the local account is disabled', userId);
    await this.repo.touchLink(idp.id, subject, {
      email: profile.email,
      upstreamSid: typeof idClaims.sid === 'string' ? idClaims.sid.slice(0, 255) : null,
      sealedIdToken: tokens.id_token ? await this.idps.seal(idp.id, 'id_token', tokens.id_token) : null,
    });
    const auth = upstreamAuthentication(idp.trustUpstreamMfa, idClaims.amr, idClaims.acr);
    const login: FederatedLogin = { idpId: idp.id, userId, amr: auth.amr, mfaSatisfied: auth.mfaSatisfied };
    await this.repo.setFlowResult(flow.state, login as unknown as Record<string, unknown>);
    return login;
  }

  /**
   * The user SCIM provisioned with this upstream account's directory id as externalId. Only an
   * IdP with a domain list that holds that user's email domain may claim them: another IdP
   * asserting the same id cannot take the account over.
   */
  private async provisionedUser(allowedDomains: string[], oid: unknown, subject: string): Promise<{ id: string } | null> {
    if (!allowedDomains.length) return null;
    for (const candidate of [oid, subject]) {
      if (typeof candidate !== 'string' || !candidate) continue;
      const user = await this.identity.findByExternalId(candidate);
      if (user && domainAllowed(allowedDomains, user.email)) return { id: user.id };
    }
    return null;
  }

  /** The verified upstream sign-in of this interaction, once; null when there is none. */
  async complete(interactionUid: string, state: string, ctx: SignInContext): Promise<(FederatedLogin & { user: User }) | null> {
    const flow = await this.repo.takeFlow(state, interactionUid);
    if (!flow?.result) return null;
    const login = flow.result as unknown as FederatedLogin;
    const user = await this.identity.findById(login.userId);
    if (!user || user.status === 'disabled') return null;
    await this.bus.publish(
      'federation.login.succeeded',
      { idpId: login.idpId, userId: login.userId, interactionUid, clientId: ctx.clientId, ip: ctx.ip, amr: login.amr },
      { actor: { type: 'user', id: login.userId } },
    );
    return { ...login, user };
  }

  /**
   * OpenID Connect Back-Channel Logout 1.0 from an upstream: the logout token is verified
   * (signature against the upstream JWKS, iss, aud, iat, the logout event, sub or sid, no nonce)
   * and every session of the users it names ends here. Returns false for an invalid token.
   */
  async backchannelLogout(idpId: string, logoutToken: unknown): Promise<boolean> {
    const idp = /^[a-z0-9][a-z0-9-]{0,62}$/.test(idpId) ? await this.idps.find(idpId) : null;
    if (!idp || typeof logoutToken !== 'string' || logoutToken.length > 16384) return false;
    let claims: LogoutClaims;
    try {
      const config = await this.upstream.configuration(idp);
      claims = await verifyLogoutToken(logoutToken, idp, config.serverMetadata().jwks_uri!, this.upstream.fetchForJwks);
    } catch {
      return false;
    }
    for (const userId of await this.repo.usersForLogout(idp.id, claims.sub, claims.sid)) {
      const sessionsEnded = await this.sessions.endAllSessionsOf(userId, { type: 'system', id: `federation:${idp.id}` });
      await this.bus.publish('federation.logout.received', { idpId: idp.id, userId, sessionsEnded }, { actor: { type: 'system', id: `federation:${idp.id}` } });
    }
    return true;
  }

  /**
   * Where to send the browser to end the upstream session after ours ended (RP-initiated
   * logout at the upstream, with the last upstream ID token as hint); null when the user's last
   * upstream sign-in came from an IdP without an end_session_endpoint. `state` comes back
   * unchanged to the post_logout_redirect_uri.
   */
  async upstreamLogoutUrl(userId: string, postLogoutRedirectUri?: string, state?: string): Promise<string | null> {
    const link = await this.repo.latestLink(userId);
    if (!link) return null;
    const idp = await this.idps.find(link.idpId);
    if (!idp?.enabled) return null;
    const config = await this.upstream.configuration(idp).catch(() => null);
    if (!config?.serverMetadata().end_session_endpoint) return null;
    const hint = link.sealedIdToken ? await this.idps.open(idp.id, 'id_token', link.sealedIdToken).catch(() => undefined) : undefined;
    return oidc.buildEndSessionUrl(config, {
      ...(hint ? { id_token_hint: hint } : {}),
      ...(postLogoutRedirectUri ? { post_logout_redirect_uri: postLogoutRedirectUri } : {}),
      ...(state ? { state } : {}),
    }).href;
  }

  /** Records a failed upstream sign-in (audit) and returns its reason for the page. */
  async failed(reason: FederationFailureReason, idpId: string, ctx: SignInContext & { userId?: string | null }): Promise<FederationFailureReason> {
    await this.bus.publish('federation.login.failed', {
      idpId,
      reason,
      userId: ctx.userId ?? null,
      interactionUid: ctx.interactionUid,
      clientId: ctx.clientId,
      ip: ctx.ip,
    });
    return reason;
  }
}

function failure(reason: FederationFailureReason, message: string, userId?: string): FederationError {
  return new FederationError(FederationErrorCode.SIGN_IN_FAILED, message, { reason, userId });
}

function pick(o: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]]));
}
