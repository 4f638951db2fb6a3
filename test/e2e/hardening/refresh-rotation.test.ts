import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientsService } from '../../../src/clients/index.js';
import { IdentityService } from '../../../src/identity/index.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { HttpBrowser } from '../../support/http-browser.js';
import { startApp, testKek, type RunningApp } from '../../support/in-process-app.js';
import { buildAuthorizationUrl } from '../../support/relying-party.js';
import { allowIfAsked } from '../../support/sign-in-flow.js';

const REDIRECT = 'http://127.0.0.1:9/callback';
const EMAIL = 'rotation@hospital.test';
const PASSWORD = 'a long and unusual passphrase 11';

/**
 * Which refresh tokens rotate (RFC 9700 §4.14.2, FAPI 2.0 §5.3.2.1): a public client's always,
 * with reuse revoking the family; a confidential client using DPoP keeps its refresh token,
 * which only its own client authentication can use.
 */
describe('refresh token rotation of DPoP clients', () => {
  let db: TestDatabase;
  let running: RunningApp;
  let confidential: oidc.Configuration;
  let publicApp: oidc.Configuration;

  beforeAll(async () => {
    db = await createTestDatabase();
    running = await startApp({ DATABASE_URL: db.url, KEY_ENCRYPTION_KEY: testKek() });
    await running.app.get(IdentityService).createUser({ email: EMAIL, password: PASSWORD });
    const clients = running.app.get(ClientsService);
    const discover = (clientId: string, auth: oidc.ClientAuth) =>
      oidc.discovery(new URL(running.url), clientId, undefined, auth, { execute: [oidc.allowInsecureRequests] });

    const server = await clients.createClient({
      name: 'Results portal backend',
      type: 'confidential',
      mfaPolicy: 'optional',
      redirectUris: [REDIRECT],
      grantTypes: ['authorization_code', 'refresh_token'],
    });
    confidential = await discover(server.clientId, oidc.ClientSecretBasic(server.clientSecret!));

    const native = await clients.createClient({
      name: 'Bedside tablet',
      type: 'public',
      mfaPolicy: 'optional',
      redirectUris: [REDIRECT],
      grantTypes: ['authorization_code', 'refresh_token'],
    });
    publicApp = await discover(native.clientId, oidc.None());
  });

  afterAll(async () => {
    await running?.close();
    await db?.drop();
  });

  /** Signs in (offline access) and exchanges the code with a DPoP proof of `dpop`'s key. */
  async function signIn(config: oidc.Configuration, dpop: oidc.DPoPHandle) {
    const browser = new HttpBrowser(running.url);
    const request = await buildAuthorizationUrl(config, REDIRECT, { scope: 'openid offline_access', prompt: 'consent' });
    const started = await browser.follow(request.url);
    const posted = await browser.submitSignIn(await started.res.text(), { email: EMAIL, password: PASSWORD });
    let back = await browser.follow(posted.headers.get('location')!);
    if (!back.url.href.startsWith(REDIRECT)) back = await allowIfAsked(browser, back.res, back.url);
    expect(back.url.href.startsWith(REDIRECT), `back at the app, not at ${back.url.href}`).toBe(true);
    const tokens = await oidc.authorizationCodeGrant(
      config,
      back.url,
      { pkceCodeVerifier: request.verifier, expectedState: request.state, expectedNonce: request.nonce },
      undefined,
      { DPoP: dpop },
    );
    expect(tokens.token_type).toBe('dpop');
    expect(tokens.refresh_token).toBeTruthy();
    return tokens;
  }

  const active = async (config: oidc.Configuration, token: string) => (await oidc.tokenIntrospection(config, token)).active;

  it('keeps the refresh token of a confidential DPoP client: two refreshes, the same token, both work', async () => {
    const dpop = oidc.getDPoPHandle(confidential, await oidc.randomDPoPKeyPair('ES256'));
    const tokens = await signIn(confidential, dpop);

    const first = await oidc.refreshTokenGrant(confidential, tokens.refresh_token!, undefined, { DPoP: dpop });
    const second = await oidc.refreshTokenGrant(confidential, tokens.refresh_token!, undefined, { DPoP: dpop });
    for (const refreshed of [first, second]) {
      expect(refreshed.token_type).toBe('dpop');
      expect(refreshed.refresh_token ?? tokens.refresh_token).toBe(tokens.refresh_token);
      expect(await active(confidential, refreshed.access_token)).toBe(true);
    }
    expect(second.access_token).not.toBe(first.access_token);
    expect(await active(confidential, tokens.refresh_token!)).toBe(true);
  });

  it('rotates the refresh token of a public DPoP client, bound to its key, and a reused one revokes the family', async () => {
    const dpop = oidc.getDPoPHandle(publicApp, await oidc.randomDPoPKeyPair('ES256'));
    const tokens = await signIn(publicApp, dpop);

    // Bound to the app's key: the token alone, or with another key, is refused.
    const thief = oidc.getDPoPHandle(publicApp, await oidc.randomDPoPKeyPair('ES256'));
    await expect(oidc.refreshTokenGrant(publicApp, tokens.refresh_token!, undefined, { DPoP: thief })).rejects.toMatchObject({
      error: 'invalid_grant',
    });

    const rotated = await oidc.refreshTokenGrant(publicApp, tokens.refresh_token!, undefined, { DPoP: dpop });
    expect(rotated.refresh_token).toBeTruthy();
    expect(rotated.refresh_token).not.toBe(tokens.refresh_token);

    // A replay of the old token with the app's own key (a stolen device) burns the family.
    await expect(oidc.refreshTokenGrant(publicApp, tokens.refresh_token!, undefined, { DPoP: dpop })).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    await expect(oidc.refreshTokenGrant(publicApp, rotated.refresh_token!, undefined, { DPoP: dpop })).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    expect(await active(confidential, rotated.access_token)).toBe(false);
  });
});
