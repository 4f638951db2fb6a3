import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientsService } from '../../../src/clients/index.js';
import { IdentityService } from '../../../src/identity/index.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { startApp, testKek, type RunningApp } from '../../support/in-process-app.js';
import { buildAuthorizationUrl } from '../../support/relying-party.js';

const ISSUER = 'https://id.hospital.test';
const REDIRECT = 'https://ehr.hospital.test/callback';

/**
 * Behind a TLS-terminating proxy (TRUST_PROXY, X-Forwarded-Proto: https) the sign-in cookies
 * carry every attribute a browser needs to keep them safe, and HSTS is sent.
 */
describe('cookies and transport headers behind the https proxy', () => {
  let db: TestDatabase;
  let running: RunningApp;
  let config: oidc.Configuration;
  const jar = new Map<string, string>();

  const proxied = async (path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    headers.set('x-forwarded-proto', 'https');
    headers.set('x-forwarded-host', 'id.hospital.test');
    if (jar.size) headers.set('cookie', [...jar].map(([k, v]) => `${k}=${v}`).join('; '));
    const res = await fetch(new URL(path, running.url), { ...init, headers, redirect: 'manual' });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair!.indexOf('=');
      jar.set(pair!.slice(0, i), pair!.slice(i + 1));
    }
    return res;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    running = await startApp({ DATABASE_URL: db.url, KEY_ENCRYPTION_KEY: testKek(), ISSUER, TRUST_PROXY: 'true' });
    const { clientId } = await running.app.get(ClientsService).createClient({
      name: 'EHR',
      mfaPolicy: 'optional', // password-only flows are under test here; MFA has its own suite
      type: 'public',
      redirectUris: [REDIRECT],
      grantTypes: ['authorization_code'],
    });
    await running.app.get(IdentityService).createUser({ email: 'secure@hospital.test', password: 'a long and unusual passphrase 7' });
    config = new oidc.Configuration({ issuer: ISSUER, authorization_endpoint: `${ISSUER}/authorize` }, clientId);
  });

  afterAll(async () => {
    await running?.close();
    await db?.drop();
  });

  it('sets __Host- Secure HttpOnly SameSite=Lax session cookies, and HSTS', async () => {
    const request = await buildAuthorizationUrl(config, REDIRECT);
    const started = await proxied(request.url.pathname + request.url.search);
    expect(started.status).toBe(303);
    expect(started.headers.get('strict-transport-security')).toMatch(/max-age=31536000/);
    for (const cookie of started.headers.getSetCookie()) {
      expect(cookie).toMatch(/; secure/i);
      expect(cookie).toMatch(/; httponly/i);
      expect(cookie).toMatch(/; samesite=lax/i);
    }

    const page = await proxied(new URL(started.headers.get('location')!, ISSUER).pathname);
    const html = await page.text();
    const action = /<form method="post" action="([^"]+)"/.exec(html)![1]!;
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)![1]!.replace(/&#61;/g, '=');
    const posted = await proxied(action, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ISSUER },
      body: new URLSearchParams({ csrf, email: 'secure@hospital.test', password: 'a long and unusual passphrase 7' }),
    });
    expect(posted.status).toBe(303);
    const resumed = await proxied(new URL(posted.headers.get('location')!, ISSUER).pathname);
    const session = resumed.headers.getSetCookie().find((c) => c.startsWith('__Host-caduceus_session='));
    expect(session, resumed.headers.getSetCookie().join('\n')).toBeDefined();
    expect(session).toMatch(/; path=\/(;|$)/i);
    expect(session).not.toMatch(/; domain=/i);
    expect(session).toMatch(/; secure/i);
    expect(session).toMatch(/; httponly/i);
    expect(session).toMatch(/; samesite=lax/i);
  });
});
