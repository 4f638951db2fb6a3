import fc from 'fast-check';
import * as oidc from 'openid-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { HttpBrowser } from '../../support/http-browser.js';
import { useApp } from '../../support/fixture.js';
import { authorize } from '../../support/sign-in-flow.js';
import { adminToken, createAdminClient, type ClientCredentials } from '../../integration/audit/audit-test-kit.js';

const REDIRECT = 'http://127.0.0.1:9/callback';
const PASSWORD = 'a long and unusual passphrase 7';
const RUNS = 100;
/**
 * A fixed seed keeps CI deterministic (a failure names its seed and replays); FUZZ_SEED=random
 * explores new inputs locally, FUZZ_SEED=<n> replays a reported one.
 */
const SEED = process.env.FUZZ_SEED === 'random' ? undefined : Number(process.env.FUZZ_SEED ?? 20261128);
// Generous: the sign-in form's progressive delay slows repeated failures on purpose, and the machine is shared.
const FUZZ_TIMEOUT = 300_000;
const run = { numRuns: RUNS, ...(SEED === undefined ? {} : { seed: SEED }) };

/** Strings an attacker tries: long, control characters, markup, traversal, format strings, unicode. */
const hostile = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    '%00',
    '%',
    '%%',
    '../../etc/passwd',
    '<script>alert(1)</script>',
    '"\'><img src=x onerror=alert(1)>',
    "' OR '1'='1",
    '${jndi:ldap://x}',
    '%s%s%s%n',
    '\r\nSet-Cookie: x=y',
    'javascript:alert(1)',
    'http://127.0.0.1:9/callback#frag',
    '__proto__',
    'constructor',
    'openid openid openid',
    '\uFEFF\u202E',
    '𝕏'.repeat(50),
  ),
  fc.integer({ min: 1, max: 20_000 }).map((n) => 'A'.repeat(n)),
  fc.integer({ min: 1, max: 300 }).map((n) => Array.from({ length: n }, (_, i) => `scope${i}`).join(' ')),
);

const paramName = fc.oneof(
  fc.constantFrom(
    'client_id',
    'client_secret',
    'grant_type',
    'code',
    'code_verifier',
    'redirect_uri',
    'refresh_token',
    'scope',
    'resource',
    'response_type',
    'response_mode',
    'state',
    'nonce',
    'prompt',
    'max_age',
    'code_challenge',
    'code_challenge_method',
    'request',
    'request_uri',
    'claims',
    'client_assertion',
    'client_assertion_type',
    'username',
    'password',
    'email',
    'csrf',
    'login_hint',
    'acr_values',
    'ui_locales',
  ),
  fc.string({ minLength: 1, maxLength: 12 }),
);

const params = fc.array(fc.tuple(paramName, hostile), { maxLength: 12 });

const form = (pairs: Array<[string, string]>) => {
  const p = new URLSearchParams();
  for (const [k, v] of pairs) p.append(k, v);
  return p;
};

const contentType = fc.constantFrom(
  'application/x-www-form-urlencoded',
  'application/x-www-form-urlencoded; charset=utf-8',
  'application/json',
  'text/plain',
  'multipart/form-data; boundary=x',
  'application/x-www-form-urlencoded; charset=latin1',
  '',
);

/** A JSON body (already serialised: a deep value would overflow a reporter's stack) built to be hostile: deep, wide, odd keys. */
const hostileJson = fc.oneof(
  fc.json({ maxDepth: 4 }),
  fc.integer({ min: 20, max: 5000 }).map((depth) => `${'{"a":'.repeat(depth)}"x"${'}'.repeat(depth)}`),
  fc.integer({ min: 20, max: 5000 }).map((depth) => `{"name":"x","redirectUris":${'['.repeat(depth)}${']'.repeat(depth)}}`),
  fc.integer({ min: 1, max: 2000 }).map((n) => JSON.stringify({ name: 'x', redirectUris: Array.from({ length: n }, (_, i) => `https://app.example/cb/${i}`) })),
  fc.record({ name: hostile, type: hostile, redirectUris: fc.array(hostile, { maxLength: 5 }), grantTypes: fc.array(hostile, { maxLength: 5 }) }).map((v) => JSON.stringify(v)),
  fc.constant('{"__proto__": {"polluted": true}, "name": "x"}'),
);

interface Seen {
  status: number;
  body: string;
  contentType: string | null;
}

async function seen(res: Response): Promise<Seen> {
  return { status: res.status, body: await res.text(), contentType: res.headers.get('content-type') };
}

/** What every answer to hostile input must look like: no server error, no stack, no token. */
function expectRefusedCleanly(what: string, s: Seen): void {
  expect(s.status, `${what} answered ${s.status}: ${s.body.slice(0, 300)}`).toBeLessThan(500);
  expect(s.body, `${what} leaked a stack trace`).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)|node_modules|\.ts:\d+/);
  expect(s.body, `${what} issued a token`).not.toMatch(/"(access_token|id_token|refresh_token)"/);
}

describe('hostile input fuzzed at the public and admin surfaces', () => {
  let config: oidc.Configuration;
  let clientId: string;
  let admin: ClientCredentials;
  let adminBearer: string;

  const running = useApp({ env: { RATE_LIMIT_ENABLED: 'false', MFA_POLICY: 'optional' } });

  beforeAll(async () => {
    ({ clientId, config } = await running.registerClient({
      name: 'Fuzz target',
      mfaPolicy: 'optional',
      redirectUris: [REDIRECT],
      grantTypes: ['authorization_code', 'refresh_token'],
    }));
    await running.createUser({ email: 'fuzz@hospital.example', password: PASSWORD, givenName: 'Fuzz' });
    admin = await createAdminClient(running, ['super-admin']);
    adminBearer = await adminToken(running.url, admin, 'super-admin');
  });

  const issuedTokens = async () =>
    Number((await running.db.query<{ n: string }>(`SELECT count(*) AS n FROM audit_events WHERE event_type = 'oidc.token.issued'`))[0]!.n);
  const grantFailures = async () =>
    Number((await running.db.query<{ n: string }>(`SELECT count(*) AS n FROM audit_events WHERE event_type = 'oidc.grant.failed' AND details->>'endpoint' = 'grant'`))[0]!.n);
  const ready = async () => (await fetch(`${running.url}/health/ready`)).status;

  it('/authorize: random and hostile query parameters never cause a server error', async () => {
    await fc.assert(
      fc.asyncProperty(params, fc.boolean(), async (pairs, withClient) => {
        const query = form(withClient ? [['client_id', clientId], ...pairs] : pairs);
        const s = await seen(await fetch(`${running.url}/authorize?${query}`, { redirect: 'manual' }));
        expectRefusedCleanly('/authorize', s);
      }),
      run,
    );
    expect(await ready()).toBe(200);
  }, FUZZ_TIMEOUT);

  it('/authorize: too long a parameter or too many scopes is a clear 400, before anything else', async () => {
    const base = { client_id: clientId, response_type: 'code', redirect_uri: REDIRECT, code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' };
    const long = await fetch(`${running.url}/authorize?${new URLSearchParams({ ...base, scope: 'openid', state: 's'.repeat(9000) })}`, { redirect: 'manual' });
    expect(long.status).toBe(400);
    expect(await long.json()).toEqual({ error: 'invalid_request', error_description: 'parameter state is longer than 8192 characters' });
    const scopes = Array.from({ length: 101 }, (_, i) => `s${i}`).join(' ');
    const many = await fetch(`${running.url}/authorize?${new URLSearchParams({ ...base, scope: scopes })}`, { redirect: 'manual' });
    expect(many.status).toBe(400);
    expect(((await many.json()) as { error_description: string }).error_description).toBe('more than 100 scopes requested');
  }, FUZZ_TIMEOUT);

  it('/token: random bodies and content types issue no token, never a server error, and each refusal is audited', async () => {
    const tokensBefore = await issuedTokens();
    let refused = 0;
    const failuresBefore = await grantFailures();
    await fc.assert(
      fc.asyncProperty(params, contentType, fc.boolean(), async (pairs, type, asJson) => {
        const body = asJson ? JSON.stringify(Object.fromEntries(pairs)) : form(pairs).toString();
        const s = await seen(
          await fetch(`${running.url}/token`, { method: 'POST', headers: type ? { 'content-type': type } : {}, body }),
        );
        expectRefusedCleanly('/token', s);
        expect(s.status).toBeGreaterThanOrEqual(400);
        refused++;
      }),
      run,
    );
    expect(await issuedTokens()).toBe(tokensBefore);
    // Every refusal oidc-provider answered left an oidc.grant.failed record.
    expect((await grantFailures()) - failuresBefore).toBe(refused);
    expect(await ready()).toBe(200);
  }, FUZZ_TIMEOUT);

  it('the sign-in form: hostile fields, with and without the CSRF token, never sign anyone in or fail the server', async () => {
    const browser = new HttpBrowser(running.url);
    const { page } = await authorize(browser, config, REDIRECT);
    const action = /<form method="post" action="([^"]+)"/.exec(page!)![1]!.replace(/&#61;/g, '=');
    const csrf = /name="csrf" value="([^"]+)"/.exec(page!)![1]!.replace(/&#61;/g, '=');
    await fc.assert(
      fc.asyncProperty(hostile, hostile, params, fc.boolean(), async (email, password, extra, withCsrf) => {
        const pairs: Array<[string, string]> = [...(withCsrf ? [['csrf', csrf] as [string, string]] : []), ['email', email], ['password', password], ...extra];
        const res = await browser.request(action, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: form(pairs),
        });
        const s = await seen(res);
        expectRefusedCleanly('sign-in POST', s);
        // Nobody knows the password, so no answer may lead on to the app.
        expect(res.headers.get('location') ?? '').not.toContain(REDIRECT);
      }),
      run,
    );
    expect(await ready()).toBe(200);
  }, FUZZ_TIMEOUT);

  it('admin routes: hostile JSON bodies and path parameters answer 4xx problem+json, never a server error', async () => {
    const auth = { authorization: `Bearer ${adminBearer}` };
    await fc.assert(
      fc.asyncProperty(hostileJson, fc.constantFrom('/admin/v1/clients', '/admin/v1/users'), async (value, path) => {
        const s = await seen(
          await fetch(`${running.url}${path}`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: value }),
        );
        expectRefusedCleanly(`POST ${path}`, s);
        if (s.status >= 400) expect(s.contentType).toMatch(/^application\/problem\+json/);
      }),
      run,
    );
    await fc.assert(
      fc.asyncProperty(hostile, fc.constantFrom('/admin/v1/clients/', '/admin/v1/users/'), async (id, path) => {
        const s = await seen(await fetch(`${running.url}${path}${encodeURIComponent(id)}`, { headers: auth }));
        expectRefusedCleanly(`GET ${path}:id`, s);
      }),
      run,
    );
    // Malformed JSON and oversized bodies: a clear 400/413, not a stack.
    const malformed = await seen(await fetch(`${running.url}/admin/v1/clients`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{"name": ' }));
    expect(malformed.status).toBe(400);
    expectRefusedCleanly('malformed JSON', malformed);
    const huge = await seen(
      await fetch(`${running.url}/admin/v1/clients`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'x'.repeat(200_000) }) }),
    );
    expect(huge.status).toBe(413);
    expectRefusedCleanly('oversized JSON', huge);
    const deep = await fetch(`${running.url}/admin/v1/clients`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: `{"name":"x","metadata":${'['.repeat(40)}${']'.repeat(40)}}`,
    });
    expect(deep.status).toBe(400);
    expect(await deep.json()).toMatchObject({ status: 400, errors: [{ field: 'body', message: 'must not nest deeper than 32 levels' }] });
    expect(await ready()).toBe(200);
  }, FUZZ_TIMEOUT);
});
