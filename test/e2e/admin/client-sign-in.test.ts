import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { describe, expect, it } from 'vitest';
import { HttpBrowser } from '../../support/http-browser.js';
import { signIn } from '../../support/sign-in-flow.js';
import { useAdminApi } from '../../integration/admin/admin-api.js';

const REDIRECT = 'https://ward-board.hospital.test/callback';

/**
 * The integration engineer's whole path: register the app and a user through the admin API,
 * then sign the user in to that app with openid-client (code + PKCE), as the app will.
 */
describe('a client registered through the admin API signs a user in', () => {
  const api = useAdminApi();

  it('completes an authorization-code sign-in and gets a verifiable ID token', async () => {
    const admin = await api.token(['client-admin', 'user-admin']);
    const registered = await api.call('POST', '/admin/v1/clients', {
      token: admin,
      body: {
        name: 'Ward board',
        type: 'confidential',
        redirectUris: [REDIRECT],
        grantTypes: ['authorization_code', 'refresh_token'],
        mfaPolicy: 'optional',
      },
    });
    expect(registered.status).toBe(201);
    const user = await api.call('POST', '/admin/v1/users', {
      token: admin,
      body: { email: 'charge.nurse@hospital.test', password: 'a long and unusual passphrase 7', givenName: 'Charge', familyName: 'Nurse' },
    });
    expect(user.status).toBe(201);

    const config = await oidc.discovery(
      new URL(api.url),
      registered.body.clientId,
      undefined,
      oidc.ClientSecretBasic(registered.body.clientSecret),
      { execute: [oidc.allowInsecureRequests] },
    );
    const { tokens } = await signIn(new HttpBrowser(api.url), config, REDIRECT, {
      email: 'charge.nurse@hospital.test',
      password: 'a long and unusual passphrase 7',
    });
    const jwks = createRemoteJWKSet(new URL(config.serverMetadata().jwks_uri!));
    const { payload } = await jwtVerify(tokens.id_token!, jwks, { issuer: api.url, audience: registered.body.clientId });
    expect(payload.sub).toBe(user.body.id);
    expect(payload.amr).toEqual(['pwd']);
    expect((await oidc.tokenIntrospection(config, tokens.access_token)).active).toBe(true);
  });
});
