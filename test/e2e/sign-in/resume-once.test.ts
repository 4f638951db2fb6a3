import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientsService } from '../../../src/clients/index.js';
import { IdentityService } from '../../../src/identity/index.js';
import { SessionsService } from '../../../src/oidc/index.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { HttpBrowser } from '../../support/http-browser.js';
import { buildAuthorizationUrl } from '../../support/relying-party.js';
import { startApp, testKek, type RunningApp } from '../../support/in-process-app.js';

const REDIRECT = 'https://ward-board.hospital.test/callback';
const PASSWORD = 'a long and unusual passphrase 7';

/**
 * The step that ends a sign-in (the resume of the authorization request after the last page)
 * is single use: a person who double-clicks, or an attacker who holds the page and replays it,
 * gets one authorization code, not one per request.
 */
describe('resuming a finished sign-in', () => {
  let db: TestDatabase;
  let running: RunningApp;
  let config: oidc.Configuration;

  beforeAll(async () => {
    db = await createTestDatabase();
    running = await startApp({ DATABASE_URL: db.url, KEY_ENCRYPTION_KEY: testKek() });
    const created = await running.app.get(ClientsService).createClient({
      name: 'Ward board',
      mfaPolicy: 'optional', // the password is enough: the resume is what is under test
      type: 'confidential',
      redirectUris: [REDIRECT],
      grantTypes: ['authorization_code'],
    });
    config = await oidc.discovery(new URL(running.url), created.clientId, undefined, oidc.ClientSecretBasic(created.clientSecret!), {
      execute: [oidc.allowInsecureRequests],
    });
  });

  afterAll(async () => {
    await running?.close();
    await db?.drop();
  });

  /** Signs in and answers the consent page; returns the resume URL the consent POST points at. */
  let people = 0;
  async function upToResume(browser: HttpBrowser) {
    const email = `nurse.${++people}@hospital.test`;
    await running.app.get(IdentityService).createUser({ email, password: PASSWORD, givenName: 'Test' });
    const request = await buildAuthorizationUrl(config, REDIRECT);
    const { res } = await browser.follow(request.url);
    const signedIn = await browser.submitSignIn(await res.text(), { email, password: PASSWORD });
    expect(signedIn.status).toBe(303);
    const consent = await browser.follow(signedIn.headers.get('location')!);
    const html = await consent.res.text();
    const action = /<form method="post" action="([^"]+\/consent)"/.exec(html)?.[1];
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1];
    expect(action, 'the consent page').toBeDefined();
    const allowed = await browser.request(action!, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf: csrf!.replace(/&#61;/g, '='), decision: 'allow' }),
    });
    expect(allowed.status).toBe(303);
    return { request, resume: new URL(allowed.headers.get('location')!, running.url) };
  }

  const codeIn = (res: Response): string | null => {
    const location = res.headers.get('location');
    return location?.startsWith(REDIRECT) ? new URL(location).searchParams.get('code') : null;
  };

  it('gives one authorization code when the resume is requested six times at once', async () => {
    const browser = new HttpBrowser(running.url);
    const { request, resume } = await upToResume(browser);

    const answers = await Promise.all([0, 1, 2, 3, 4, 5].map(() => browser.request(resume)));
    const codes = answers.map(codeIn).filter((c): c is string => Boolean(c));
    expect(codes, `statuses ${answers.map((a) => `${a.status} ${a.headers.get('location') ?? ''}`).join(', ')}`).toHaveLength(1);
    for (const a of answers) expect(a.status, 'no request fails with a server error').toBeLessThan(500);

    const tokens = await oidc.authorizationCodeGrant(config, new URL(`${REDIRECT}?code=${codes[0]}&state=${request.state}&iss=${encodeURIComponent(config.serverMetadata().issuer)}`), {
      pkceCodeVerifier: request.verifier,
      expectedState: request.state,
      expectedNonce: request.nonce,
    });
    expect(tokens.claims()?.sub).toBeDefined();
  });

  it('gives nothing to a replay of the resume after the sign-in finished', async () => {
    const browser = new HttpBrowser(running.url);
    const { resume } = await upToResume(browser);
    const first = await browser.request(resume);
    expect(codeIn(first)).toBeTruthy();
    const again = await browser.request(resume);
    expect(codeIn(again)).toBeNull();
    expect(again.status).toBeLessThan(500);
  });

  it('keeps a session ended by an administrator ended, although its holder has requests in flight', async () => {
    // The holder of a stolen session cookie keeps asking for codes silently (prompt=none); each
    // request reads the session first and writes it back last. An administrator ends the
    // session in the middle: no request that read it before may write it back.
    const browser = new HttpBrowser(running.url);
    const { resume } = await upToResume(browser);
    expect(codeIn(await browser.request(resume))).toBeTruthy();
    const [{ account_id: accountId }] = await db.query<{ account_id: string }>(
      `SELECT payload->>'accountId' AS account_id FROM oidc_artifacts WHERE model = 'Session' AND payload->>'accountId' IS NOT NULL ORDER BY expires_at DESC LIMIT 1`,
      [],
    );
    /** A silent authorization request followed to its end: the code it got, or null. */
    const silent = async () => {
      const { url } = await browser.follow((await buildAuthorizationUrl(config, REDIRECT, { prompt: 'none' })).url);
      return url.href.startsWith(REDIRECT) ? url.searchParams.get('code') : null;
    };
    expect(await silent(), 'signed in: a silent request gets a code').toBeTruthy();

    let stop = false;
    let answered = 0;
    const loops = [0, 1, 2, 3].map(async () => {
      while (!stop) {
        await silent();
        answered += 1;
      }
    });
    const until = async (n: number) => {
      while (answered < n) await new Promise((r) => setImmediate(r));
    };
    await until(8);
    const sessions = running.app.get(SessionsService);
    for (let i = 0; i < 5; i++) {
      await sessions.revokeAllOfUser(accountId, { actor: { type: 'system', id: 'test' } });
      await until(answered + 4);
    }
    stop = true;
    await Promise.all(loops);

    const left = await db.query(`SELECT id FROM oidc_artifacts WHERE model = 'Session' AND payload->>'accountId' = $1`, [accountId]);
    expect({ sessions: left.length, code: await silent() }).toEqual({ sessions: 0, code: null });
  });
});
