import { exportJWK, generateKeyPair } from 'jose';
import * as oidc from 'openid-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { ClientsService } from '../../../src/clients/index.js';
import { IdentityService } from '../../../src/identity/index.js';
import { HttpBrowser } from '../../support/http-browser.js';
import { discover, useApp } from '../../support/fixture.js';
import { buildAuthorizationUrl } from '../../support/relying-party.js';
import { allowIfAsked } from '../../support/sign-in-flow.js';

const REDIRECT = 'http://127.0.0.1:9/callback';
const EMAIL = 'rotation@hospital.test';
const PASSWORD = 'a long and unusual passphrase 11';

/**
 * Which refresh tokens rotate (RFC 9700 §4.14.2, FAPI 2.0 §5.3.2.1): every client's, with reuse
 * revoking the family, except a client that authenticates with a private key and refreshes
 * with DPoP: it keeps its refresh token, which only its key and its DPoP key together can use.
 * A client authenticated by a secret rotates even when it adds a DPoP proof.
 */
describe('refresh token rotation of DPoP clients', () => {
  let confidential: oidc.Configuration;
  let secretClient: oidc.Configuration;
  let publicApp: oidc.Configuration;

  const running = useApp();

  beforeAll(async () => {
    await running.app.get(IdentityService).createUser({ email: EMAIL, password: PASSWORD });
    const clients = running.app.get(ClientsService);

    // FAPI 2.0's confidential client: private_key_jwt.
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const server = await clients.createClient({
      name: 'Results portal backend',
      type: 'confidential',
      mfaPolicy: 'optional',
      redirectUris: [REDIRECT],
      grantTypes: ['authorization_code', 'refresh_token'],
      tokenEndpointAuthMethod: 'private_key_jwt',
      jwks: { keys: [{ ...(await exportJWK(publicKey)), kty: 'EC', kid: 'portal-1', alg: 'ES256', use: 'sig' }] },
    });
    confidential = await discover(running.url, server.clientId, oidc.PrivateKeyJwt({ key: privateKey, kid: 'portal-1' }), {
      token_endpoint_auth_signing_alg: 'ES256',
    });

    // A confidential client with a shared secret (client_secret_basic).
    ({ config: secretClient } = await running.registerClient({
      name: 'Scheduling backend',
      mfaPolicy: 'optional',
      redirectUris: [REDIRECT],
      grantTypes: ['authorization_code', 'refresh_token'],
    }));

    ({ config: publicApp } = await running.registerClient({
      name: 'Bedside tablet',
      type: 'public',
      mfaPolicy: 'optional',
      redirectUris: [REDIRECT],
      grantTypes: ['authorization_code', 'refresh_token'],
    }));
  });

  /** Signs in (offline access) and exchanges the code, with a DPoP proof of `dpop`'s key when given. */
  async function signIn(config: oidc.Configuration, dpop?: oidc.DPoPHandle) {
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
      dpop ? { DPoP: dpop } : undefined,
    );
    expect(tokens.token_type).toBe(dpop ? 'dpop' : 'bearer');
    expect(tokens.refresh_token).toBeTruthy();
    return tokens;
  }

  /** The old refresh token is spent: using it again is refused and revokes the whole family (RFC 9700 §4.14.2). */
  async function expectRotated(config: oidc.Configuration, old: string, rotated: oidc.TokenEndpointResponse, dpop?: oidc.DPoPHandle) {
    expect(rotated.refresh_token).toBeTruthy();
    expect(rotated.refresh_token).not.toBe(old);
    const options = dpop ? { DPoP: dpop } : undefined;
    await expect(oidc.refreshTokenGrant(config, old, undefined, options)).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(oidc.refreshTokenGrant(config, rotated.refresh_token!, undefined, options)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect(await active(config, rotated.access_token)).toBe(false);
  }

  const active = async (config: oidc.Configuration, token: string) => (await oidc.tokenIntrospection(config, token)).active;

  it('keeps the refresh token of a private_key_jwt client refreshing with DPoP: two refreshes, the same token, both work', async () => {
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

  it('a confidential client_secret_basic client sending a DPoP proof still gets a rotated refresh token', async () => {
    const dpop = oidc.getDPoPHandle(secretClient, await oidc.randomDPoPKeyPair('ES256'));
    const tokens = await signIn(secretClient, dpop);
    const rotated = await oidc.refreshTokenGrant(secretClient, tokens.refresh_token!, undefined, { DPoP: dpop });
    expect(rotated.token_type).toBe('dpop');
    await expectRotated(secretClient, tokens.refresh_token!, rotated, dpop);
  });

  it('a confidential client without DPoP rotates, even one authenticating with private_key_jwt', async () => {
    const tokens = await signIn(confidential);
    const rotated = await oidc.refreshTokenGrant(confidential, tokens.refresh_token!);
    expect(rotated.token_type).toBe('bearer');
    await expectRotated(confidential, tokens.refresh_token!, rotated);

    const secretTokens = await signIn(secretClient);
    await expectRotated(secretClient, secretTokens.refresh_token!, await oidc.refreshTokenGrant(secretClient, secretTokens.refresh_token!));
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
