import * as oidc from 'openid-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { IdentityService } from '../../../src/identity/index.js';
import { HttpBrowser } from '../../support/http-browser.js';
import { useApp } from '../../support/fixture.js';
import { authorize, allowIfAsked } from '../../support/sign-in-flow.js';

const REDIRECT = 'http://127.0.0.1:9/callback';
const PASSWORD = 'a long and unusual passphrase 7';

/**
 * What a thief does with a stolen code or refresh token: replaying it must not work, and must
 * burn what was issued from it (RFC 9700 §4.5 and §4.14.2).
 */
describe('replayed codes and refresh tokens', () => {
  let config: oidc.Configuration;

  const running = useApp();

  beforeAll(async () => {
    ({ config: config } = await running.registerClient({
      name: 'Ward board',
      mfaPolicy: 'optional',
      redirectUris: [REDIRECT],
      grantTypes: ['authorization_code', 'refresh_token'],
    }));
    await running.app.get(IdentityService).createUser({ email: 'replay.victim@hospital.test', password: PASSWORD });
  });

  /** Signs in and returns the callback with its code, before anyone exchanges it. */
  async function codeCallback() {
    const browser = new HttpBrowser(running.url);
    const started = await authorize(browser, config, REDIRECT, { scope: 'openid offline_access', prompt: 'consent' });
    const posted = await browser.submitSignIn(started.page!, { email: 'replay.victim@hospital.test', password: PASSWORD });
    let back = await browser.follow(posted.headers.get('location')!);
    if (!back.url.href.startsWith(REDIRECT)) back = await allowIfAsked(browser, back.res, back.url);
    expect(back.url.href.startsWith(REDIRECT)).toBe(true);
    return { callback: back.url, request: started.request };
  }

  const exchange = (c: Awaited<ReturnType<typeof codeCallback>>) =>
    oidc.authorizationCodeGrant(config, c.callback, {
      pkceCodeVerifier: c.request.verifier,
      expectedState: c.request.state,
      expectedNonce: c.request.nonce,
    });

  it('refuses a code used twice and revokes the tokens the first use issued', async () => {
    const c = await codeCallback();
    const first = await exchange(c);
    expect((await oidc.tokenIntrospection(config, first.access_token)).active).toBe(true);

    await expect(exchange(c)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect((await oidc.tokenIntrospection(config, first.access_token)).active).toBe(false);
    expect((await oidc.tokenIntrospection(config, first.refresh_token!)).active).toBe(false);
  });

  it('rotates refresh tokens, and a reused one revokes the whole family', async () => {
    const tokens = await exchange(await codeCallback());
    const rotated = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    expect(rotated.refresh_token).toBeTruthy();
    expect(rotated.refresh_token).not.toBe(tokens.refresh_token);

    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    // The thief's replay burned the legitimate app's current token too.
    await expect(oidc.refreshTokenGrant(config, rotated.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect((await oidc.tokenIntrospection(config, rotated.access_token)).active).toBe(false);
  });

  // The same replay, raced: a thief and the app presenting one code or refresh token at the same
  // moment both pass the "already used?" read; only one may consume it and get tokens.
  const RACERS = 8;
  const outcomes = async (attempts: Array<Promise<unknown>>) => {
    const settled = await Promise.allSettled(attempts);
    const refused = settled.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason as { error?: string });
    return { granted: settled.length - refused.length, errors: [...new Set(refused.map((e) => e.error))] };
  };

  it('gives a code presented by several requests at once to one of them only', async () => {
    const c = await codeCallback();
    const result = await outcomes(Array.from({ length: RACERS }, () => exchange(c)));
    expect(result.granted, 'token sets issued for one code').toBe(1);
    expect(result.errors).toEqual(['invalid_grant']);
  });

  it('rotates a refresh token presented by several requests at once for one of them only', async () => {
    const tokens = await exchange(await codeCallback());
    const result = await outcomes(Array.from({ length: RACERS }, () => oidc.refreshTokenGrant(config, tokens.refresh_token!)));
    expect(result.granted, 'token sets issued for one refresh token').toBe(1);
    expect(result.errors).toEqual(['invalid_grant']);
  });
});
