import * as oidc from 'openid-client';

/** What the service tells the console about itself (/admin/console/config.json). */
export interface Settings {
  issuer: string;
  clientId: string;
  redirectUri: string;
  resource: string;
  scope: string;
  brand: string;
  features: { approvals: boolean };
}

export interface Signed {
  accessToken: string;
  idToken?: string;
  expiresAt: number;
  sub: string;
}

const PENDING = 'caduceus.console.pending';
const SIGNED = 'caduceus.console.signed';
const SIGNED_OUT = 'caduceus.console.signed-out';

/**
 * Signing in through this service like any other app: authorization code with PKCE (S256),
 * state and nonce, as the public client caduceus-admin-console, for the admin API as resource.
 * openid-client checks the response and the ID token. The token lives in this tab's
 * sessionStorage only and is never sent anywhere but this origin's /admin/v1.
 */
export class ConsoleAuth {
  private config?: oidc.Configuration;

  constructor(readonly settings: Settings) {}

  private async configuration(): Promise<oidc.Configuration> {
    this.config ??= await oidc.discovery(
      new URL(this.settings.issuer),
      this.settings.clientId,
      undefined,
      oidc.None(),
      // Development over http on loopback only (the service refuses any other http issuer).
      this.settings.issuer.startsWith('http://') ? { execute: [oidc.allowInsecureRequests] } : undefined,
    );
    return this.config;
  }

  current(): Signed | null {
    const raw = sessionStorage.getItem(SIGNED);
    if (!raw) return null;
    const signed = JSON.parse(raw) as Signed;
    // A minute of margin: a token about to expire is not worth a failed write.
    if (signed.expiresAt - 60_000 < Date.now()) return null;
    return signed;
  }

  wasSignedOut(): boolean {
    return sessionStorage.getItem(SIGNED_OUT) === '1';
  }

  async signIn(): Promise<never> {
    const config = await this.configuration();
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    sessionStorage.removeItem(SIGNED_OUT);
    sessionStorage.setItem(PENDING, JSON.stringify({ verifier, state, nonce, returnTo: location.hash }));
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: this.settings.redirectUri,
      scope: this.settings.scope,
      resource: this.settings.resource,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    location.assign(url.href);
    return new Promise<never>(() => undefined);
  }

  /** True when this page load is the return from the authorization endpoint. */
  isCallback(): boolean {
    const q = new URLSearchParams(location.search);
    return q.has('code') || q.has('error');
  }

  /** Finishes the sign-in; an error of the authorization server is thrown with its description. */
  async finishSignIn(): Promise<Signed> {
    const pending = JSON.parse(sessionStorage.getItem(PENDING) ?? 'null') as { verifier: string; state: string; nonce: string; returnTo: string } | null;
    sessionStorage.removeItem(PENDING);
    const here = new URL(location.href);
    history.replaceState(null, '', `${here.pathname}${pending?.returnTo ?? ''}`);
    if (!pending) throw new Error('This sign-in was not started here, or it was already used. Start again.');
    const tokens = await oidc.authorizationCodeGrant(
      await this.configuration(),
      here,
      { pkceCodeVerifier: pending.verifier, expectedState: pending.state, expectedNonce: pending.nonce },
      { resource: this.settings.resource },
    );
    const claims = tokens.claims();
    const signed: Signed = {
      accessToken: tokens.access_token,
      idToken: tokens.id_token,
      expiresAt: Date.now() + (tokens.expiresIn() ?? 300) * 1000,
      sub: claims?.sub ?? '',
    };
    sessionStorage.setItem(SIGNED, JSON.stringify(signed));
    return signed;
  }

  /** Forgets the token and ends the session at the provider (RP-initiated logout). */
  async signOut(): Promise<void> {
    const signed = this.current() ?? (JSON.parse(sessionStorage.getItem(SIGNED) ?? 'null') as Signed | null);
    sessionStorage.removeItem(SIGNED);
    sessionStorage.setItem(SIGNED_OUT, '1');
    const config = await this.configuration();
    const url = oidc.buildEndSessionUrl(config, {
      post_logout_redirect_uri: this.settings.redirectUri,
      ...(signed?.idToken ? { id_token_hint: signed.idToken } : {}),
    });
    location.assign(url.href);
  }

  forget(): void {
    sessionStorage.removeItem(SIGNED);
  }
}
