import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpBrowser } from '../../support/http-browser.js';
import { useApp } from '../../support/fixture.js';
import { freePort } from '../../support/ports.js';
import { authorize, signIn } from '../../support/sign-in-flow.js';
import { startRoundRobin, type RoundRobin } from './round-robin.js';

const REDIRECT = 'http://127.0.0.1:9/callback';
const SIGNED_OUT = 'http://127.0.0.1:9/signed-out';
const PASSWORD = 'a long and unusual passphrase 7';

/**
 * Two instances on one database behind nothing but a round-robin: a sign-in whose requests
 * alternate between them completes, the session is known to both, and a logout on one is
 * honoured by the other. Nothing in an instance's memory may be needed by the next request.
 */
describe('two instances behind a round-robin', () => {
  let issuer: string;
  const a = useApp(async () => {
    issuer = `http://localhost:${await freePort()}`;
    return { env: { ISSUER: issuer, MFA_POLICY: 'optional' } };
  });
  const b = useApp(() => ({ env: { ISSUER: issuer, MFA_POLICY: 'optional' }, database: a.db }));
  let lb: RoundRobin;
  let config: oidc.Configuration;

  beforeAll(async () => {
    lb = await startRoundRobin(Number(new URL(issuer).port), [a.url, b.url]);
    ({ config } = await a.registerClient({
      name: 'Ward board',
      mfaPolicy: 'optional',
      redirectUris: [REDIRECT],
      postLogoutRedirectUris: [SIGNED_OUT],
      grantTypes: ['authorization_code', 'refresh_token'],
    }, issuer));
    await b.createUser({ email: 'nurse@hospital.example', password: PASSWORD, givenName: 'Nurse' });
  });

  afterAll(async () => {
    await lb?.close();
  });

  it('completes a sign-in whose requests alternate between the instances, and a logout on one ends it on the other', async () => {
    const browser = new HttpBrowser(issuer);
    const from = lb.served.length;
    const { tokens } = await signIn(browser, config, REDIRECT, { email: 'nurse@hospital.example', password: PASSWORD });
    const servedDuringSignIn = lb.served.slice(from);
    expect(servedDuringSignIn.length).toBeGreaterThanOrEqual(4);
    expect(new Set(servedDuringSignIn)).toEqual(new Set([0, 1]));
    expect(tokens.access_token).toBeTruthy();
    expect(tokens.claims()!.sub).toBeTruthy();

    // The session is in PostgreSQL, not in one instance's memory: either instance recognises it.
    for (const index of [0, 1]) {
      lb.pin(index);
      const again = await authorize(browser, config, REDIRECT);
      expect(again.callback, `instance ${index} knows the session`).toBeDefined();
    }

    // Log out on instance A ...
    lb.pin(0);
    const end = oidc.buildEndSessionUrl(config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: SIGNED_OUT });
    const confirm = await browser.follow(end);
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(await confirm.res.text())?.[1];
    expect(xsrf).toBeTruthy();
    const done = await browser.request('/session/end/confirm', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ xsrf: xsrf!, logout: 'yes' }),
    });
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe(SIGNED_OUT);

    // ... and instance B asks for the password again.
    lb.pin(1);
    const after = await authorize(browser, config, REDIRECT);
    expect(after.callback).toBeUndefined();
    expect(after.page).toContain('name="password"');
    lb.pin(null);
  });
});
