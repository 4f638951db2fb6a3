import { randomBytes } from 'node:crypto';
import * as oidc from 'openid-client';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminPost, adminToken, bootstrapEnv, tokenRequest } from '../integration/audit/audit-test-kit.js';
import { HttpBrowser } from '../support/http-browser.js';
import { buildAuthorizationUrl } from '../support/relying-party.js';
import { startService, type ServiceProcess } from '../support/service-process.js';
import { waitFor } from '../support/ports.js';
import { checkAfterFault, type Queryable } from './support/checks.js';
import { startOwnPostgres, type OwnPostgres } from './support/own-postgres.js';
import { alive, bootstrap, LOAD_LIMITS } from './support/service-on-proxy.js';
import { startTraffic, summary } from './support/traffic.js';

/**
 * Breaks: the PostgreSQL server itself, a test-owned cluster (initdb in a temp folder, own port),
 * killed with SIGKILL in the middle of a burst of token requests and started again on the same
 * data (crash recovery), as a primary that dies and comes back.
 * Checks: the service process survives; while the server is down callers get 503 with
 * Retry-After and readiness says 503; after it returns the same process serves again; every
 * token a caller received (before, during, after) introspects active with its audit record, so
 * nothing acknowledged was lost in the crash; the chain verifies. A person in the middle of a
 * sign-in meets a 503 page (HTML, Retry-After) on the sign-in pages and /authorize, not a 500;
 * the service logs each 503 as one warning, never an error or a stack trace.
 */
describe('a real PostgreSQL killed mid-burst and started again', () => {
  let server: OwnPostgres;
  let service: ServiceProcess;
  let pool: pg.Pool;
  const db: Queryable = { query: async (sql, params) => (await pool.query(sql, params)).rows };

  beforeAll(async () => {
    server = await startOwnPostgres();
    service = await startService({ DATABASE_URL: server.url, KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64'), ...bootstrapEnv(), ...LOAD_LIMITS });
    pool = new pg.Pool({ connectionString: server.url, max: 2 });
    pool.on('error', () => undefined);
  }, 180_000);

  afterAll(async () => {
    await service?.stop();
    await pool?.end().catch(() => undefined);
    await server?.destroy();
  });

  /** A sign-in begun before the crash: the browser holds the sign-in page and its form. */
  async function signInStarted() {
    const admin = await adminToken(service.url, bootstrap, 'super-admin');
    const registered = await adminPost(service.url, admin, '/admin/v1/clients', {
      name: 'Ward board',
      type: 'confidential',
      redirectUris: ['http://127.0.0.1:9/callback'],
      grantTypes: ['authorization_code'],
    });
    expect(registered.status).toBe(201);
    const { clientId, clientSecret } = (await registered.json()) as { clientId: string; clientSecret: string };
    const config = await oidc.discovery(new URL(service.url), clientId, undefined, oidc.ClientSecretBasic(clientSecret), { execute: [oidc.allowInsecureRequests] });
    const browser = new HttpBrowser(service.url);
    const request = await buildAuthorizationUrl(config, 'http://127.0.0.1:9/callback');
    const { res, url } = await browser.follow(request.url);
    const html = await res.text();
    expect(html).toContain('name="password"');
    return { browser, request, page: url, html };
  }

  /** What a browser meets on a page while the database is gone: a 503 page, not a 500. */
  async function expectOutagePage(res: Response, what: string) {
    const body = await res.text();
    expect(res.status, `${what}: ${body.slice(0, 300)}`).toBe(503);
    expect(res.headers.get('retry-after'), what).toMatch(/^\d+$/);
    expect(res.headers.get('content-type'), what).toMatch(/^text\/html/);
    expect(res.headers.get('cache-control'), what).toBe('no-store');
    expect(body, what).toMatch(/<html[\s\S]*try again/i);
    expect(body, what).not.toMatch(/\n\s+at |node_modules|ECONNREFUSED|Connection terminated|Internal server error/i);
  }

  it('answers 503 while the server is gone and serves again without a restart when it is back', async () => {
    const signIn = await signInStarted();
    const traffic = startTraffic(16, () => tokenRequest(service.url, bootstrap));
    await traffic.moreSuccesses(100, 'traffic before the crash');
    const logFrom = service.output().length;
    await server.kill();
    await waitFor('callers to see the outage', async () => (traffic.count(503) > 0 ? true : undefined), 60_000);
    expect((await fetch(`${service.url}/health/ready`)).status).toBe(503);
    await expectOutagePage(await signIn.browser.request(signIn.page), 'the sign-in page');
    await expectOutagePage(
      await signIn.browser.submitSignIn(signIn.html, { email: 'nurse@hospital.test', password: 'a long and unusual passphrase 7' }),
      'the sign-in form post',
    );
    await expectOutagePage(await signIn.browser.request(signIn.request.url, { headers: { accept: 'text/html' } }), '/authorize in a browser');
    expect(alive(service), service.output().slice(-3000)).toBe(true);
    await server.start();
    await traffic.moreSuccesses(150, 'tokens after the server came back');
    const outcomes = await traffic.stop();
    // The operator's log: each 503 one warning line (pino-http), no error level, no stack trace.
    const lines = service.output().slice(logFrom).split('\n').filter(Boolean);
    expect(lines.filter((l) => /"statusCode":503/.test(l)).length, 'a warning per 503').toBeGreaterThan(0);
    const loud = lines.filter((l) => /"level":(50|60)|\\n\s+at |"stack"/.test(l) || !l.startsWith('{'));
    expect(loud.slice(0, 3), 'error-level lines or stack traces in the log during the outage').toEqual([]);
    for (const line of lines.filter((l) => /"statusCode":503/.test(l))) expect(JSON.parse(line).level).toBe(40);
    expect(alive(service), service.output().slice(-3000)).toBe(true);
    expect(outcomes.filter((o) => o.status !== 200 && o.status !== 503).map((o) => `${o.status} ${o.body}`).slice(0, 5), summary(outcomes)).toEqual([]);
    await checkAfterFault({ url: service.url, db, client: bootstrap, outcomes });
  });
});
