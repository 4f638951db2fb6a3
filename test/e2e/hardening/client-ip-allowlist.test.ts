import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAdminApi, type AdminApi } from '../../integration/admin/admin-api.js';
import { startApp, testKek, type RunningApp } from '../../support/in-process-app.js';

const HOSPITAL_V4 = '10.1.2.3';
const HOSPITAL_V6 = '2001:db8:abcd:1::5';
const OUTSIDE_V4 = '192.0.2.7';
const OUTSIDE_V6 = '2001:db8:ffff::1';

/**
 * The OAuth error openid-client reports: a 401 to Basic credentials carries it in the
 * WWW-Authenticate challenge (RFC 6749 §5.2), other errors in the body.
 */
function oauthError(err: unknown): { status: number; error: string | undefined } {
  if (err instanceof oidc.WWWAuthenticateChallengeError) return { status: err.status, error: err.cause[0]?.parameters.error };
  if (err instanceof oidc.ResponseBodyError) return { status: err.status, error: err.error };
  throw err;
}

interface Registered {
  clientId: string;
  clientSecret: string;
}

/**
 * Per-client IP allow-lists (#10): a confidential client that calls from known hospital networks
 * gets nothing from the token endpoint family when a call comes from elsewhere, even with its
 * right secret: 401 invalid_client, and a record of the refusal with the address. The address is
 * the one the service resolves under TRUST_PROXY naming the proxy: through it, only the hop it
 * appended counts; from a peer that is not that proxy, X-Forwarded-For is not believed at all.
 * With TRUST_PROXY a count, any peer passes for the proxy, so the address proves nothing and a
 * restricted client is refused from anywhere.
 */
describe('per-client IP allow-lists on the token, introspection, revocation and PAR endpoints', () => {
  let api: AdminApi;
  let untrusted: RunningApp;
  let counted: RunningApp;
  let admin: string;
  let auditor: string;
  let lab: Registered;

  beforeAll(async () => {
    // One proxy in front, named by its address (the test connects from loopback and plays it, appending X-Forwarded-For).
    api = await startAdminApi({ TRUST_PROXY: 'loopback' });
    // Another instance on the same database that trusts only a proxy the test is not.
    untrusted = await startApp({ DATABASE_URL: api.db.url, KEY_ENCRYPTION_KEY: testKek(), TRUST_PROXY: '192.0.2.250' });
    // And one told only how many proxies there are: whoever connects passes for the proxy.
    counted = await startApp({ DATABASE_URL: api.db.url, KEY_ENCRYPTION_KEY: testKek(), TRUST_PROXY: '1' });
    admin = await api.token(['client-admin']);
    auditor = await api.token(['auditor']);
    lab = await register({
      name: 'Lab analyser gateway',
      type: 'confidential',
      grantTypes: ['client_credentials'],
      allowedIpRanges: ['10.1.2.3/16', '2001:DB8:ABCD:0::/48'],
    });
  });

  afterAll(async () => {
    await counted?.close();
    await untrusted?.close();
    await api?.close();
  });

  async function register(body: Record<string, unknown>): Promise<Registered> {
    const res = await api.call('POST', '/admin/v1/clients', { token: admin, body });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return { clientId: res.body.clientId, clientSecret: res.body.clientSecret };
  }

  /** openid-client as the lab's gateway, its requests reaching the service through a proxy that saw `from`. */
  async function gateway(client: Registered, from: string | undefined, baseUrl = api.url): Promise<oidc.Configuration> {
    const config = await oidc.discovery(new URL(baseUrl), client.clientId, undefined, oidc.ClientSecretBasic(client.clientSecret), {
      execute: [oidc.allowInsecureRequests],
    });
    config[oidc.customFetch] = (url, options) => {
      const headers = new Headers(options.headers as ConstructorParameters<typeof Headers>[0]);
      if (from) headers.set('x-forwarded-for', from);
      return fetch(url, { ...options, headers } as RequestInit);
    };
    return config;
  }

  /** A raw form POST with Basic credentials, as if from `from`. */
  function post(path: string, client: Registered, from: string, form: Record<string, string>, baseUrl = api.url): Promise<Response> {
    const basic = Buffer.from(`${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret)}`).toString('base64');
    return fetch(`${baseUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': from },
      body: new URLSearchParams(form),
    });
  }

  async function refusals(
    clientId: string,
  ): Promise<Array<{ ip: string | null; clientId: string | null; outcome: string; details: { endpoint: string; reason: string } }>> {
    const res = await api.call('GET', `/admin/v1/audit/events?type=oidc.client.ip_refused&client=${encodeURIComponent(clientId)}&order=asc`, {
      token: auditor,
    });
    expect(res.status).toBe(200);
    return res.body.items;
  }

  async function expectInvalidClient(res: Response): Promise<void> {
    expect(res.status).toBe(401);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body.error).toBe('invalid_client');
    expect(body).not.toHaveProperty('access_token');
    expect(body).not.toHaveProperty('active');
  }

  it('stores the ranges normalised and shows them in the registration', async () => {
    const res = await api.call('GET', `/admin/v1/clients/${lab.clientId}`, { token: admin });
    expect(res.body.allowedIpRanges).toEqual(['10.1.0.0/16', '2001:db8:abcd::/48']);
  });

  it('issues tokens to calls from the hospital network (openid-client)', async () => {
    const tokens = await oidc.clientCredentialsGrant(await gateway(lab, HOSPITAL_V4));
    expect(tokens.access_token).toBeTruthy();
  });

  it('refuses a token call from elsewhere with invalid_client, even with the right secret, and records it with the address', async () => {
    const refused = await oidc.clientCredentialsGrant(await gateway(lab, OUTSIDE_V4)).catch((err: unknown) => err);
    expect(oauthError(refused)).toEqual({ status: 401, error: 'invalid_client' });

    // A wrong secret from outside gets the very same answer: nothing to learn about the secret from there.
    await expectInvalidClient(await post('/token', { ...lab, clientSecret: 'wrong' }, OUTSIDE_V4, { grant_type: 'client_credentials' }));

    const records = await refusals(lab.clientId);
    expect(records.length).toBeGreaterThanOrEqual(2);
    expect(records[0]).toMatchObject({ ip: OUTSIDE_V4, clientId: lab.clientId, outcome: 'failure', details: { endpoint: 'token', reason: 'outside_ranges' } });
  });

  it('refuses introspection and revocation from elsewhere, and the refused revocation changes nothing', async () => {
    const { access_token: token } = await oidc.clientCredentialsGrant(await gateway(lab, HOSPITAL_V4));

    await expectInvalidClient(await post('/introspect', lab, OUTSIDE_V4, { token }));
    await expectInvalidClient(await post('/revoke', lab, OUTSIDE_V4, { token }));

    const inside = await gateway(lab, HOSPITAL_V4);
    expect((await oidc.tokenIntrospection(inside, token)).active).toBe(true);
    await oidc.tokenRevocation(inside, token);
    expect((await oidc.tokenIntrospection(inside, token)).active).toBe(false);

    const endpoints = (await refusals(lab.clientId)).filter((r) => r.ip === OUTSIDE_V4).map((r) => r.details.endpoint);
    expect(endpoints).toEqual(expect.arrayContaining(['token', 'introspection', 'revocation']));
  });

  it('refuses a pushed authorization request from elsewhere', async () => {
    const portal = await register({
      name: 'Ward portal',
      type: 'confidential',
      redirectUris: ['https://ward.hospital.test/cb'],
      allowedIpRanges: ['10.1.0.0/16'],
    });
    const par = { client_id: portal.clientId, response_type: 'code', redirect_uri: 'https://ward.hospital.test/cb', scope: 'openid', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' };
    await expectInvalidClient(await post('/par', portal, OUTSIDE_V4, par));
    const accepted = await post('/par', portal, HOSPITAL_V4, par);
    expect(accepted.status).toBe(201);
    expect(((await accepted.json()) as { request_uri?: string }).request_uri).toMatch(/^urn:ietf:params:oauth:request_uri:/);
    expect((await refusals(portal.clientId)).map((r) => [r.ip, r.details.endpoint])).toEqual([[OUTSIDE_V4, 'pushed_authorization_request']]);
  });

  it('takes IPv6 ranges', async () => {
    expect((await oidc.clientCredentialsGrant(await gateway(lab, HOSPITAL_V6))).access_token).toBeTruthy();
    await expectInvalidClient(await post('/token', lab, OUTSIDE_V6, { grant_type: 'client_credentials' }));
    expect((await refusals(lab.clientId)).some((r) => r.ip === OUTSIDE_V6)).toBe(true);
  });

  it('believes only the hop the trusted proxy appended: a forged X-Forwarded-For through it does not get in', async () => {
    // The caller sent "X-Forwarded-For: 10.1.2.3"; the proxy appended the address it really saw.
    await expectInvalidClient(await post('/token', lab, `${HOSPITAL_V4}, ${OUTSIDE_V4}`, { grant_type: 'client_credentials' }));
  });

  it('ignores X-Forwarded-For from a peer that is not a listed proxy, so a direct caller cannot claim a hospital address', async () => {
    const spoofing = await gateway(lab, HOSPITAL_V4, untrusted.url);
    const refused = await oidc.clientCredentialsGrant(spoofing).catch((err: unknown) => err);
    expect(oauthError(refused)).toEqual({ status: 401, error: 'invalid_client' });
    await expectInvalidClient(await post('/introspect', lab, HOSPITAL_V4, { token: 'anything' }, untrusted.url));
    const rows = await api.db.query<{ ip: string | null; endpoint: string; reason: string }>(
      `SELECT ip, details->>'endpoint' AS endpoint, details->>'reason' AS reason FROM audit_events
        WHERE event_type = 'oidc.client.ip_refused' AND client_id = $1 AND ip NOT IN ($2, $3) ORDER BY seq`,
      [lab.clientId, OUTSIDE_V4, OUTSIDE_V6],
    );
    // Judged on the socket's own (loopback) address, never on the claimed one.
    const loopback = expect.stringMatching(/^(127\.0\.0\.1|::1|::ffff:127\.0\.0\.1)$/);
    expect(rows).toEqual([
      { ip: loopback, endpoint: 'token', reason: 'outside_ranges' },
      { ip: loopback, endpoint: 'introspection', reason: 'outside_ranges' },
    ]);
  });

  it('refuses a restricted client from anywhere when TRUST_PROXY is a count, even from an allowed forwarded address, and says why', async () => {
    // The claimed hospital address would pass the list; under a count it is whatever the caller wrote.
    const claimed = await oidc.clientCredentialsGrant(await gateway(lab, HOSPITAL_V4, counted.url)).catch((err: unknown) => err);
    expect(oauthError(claimed)).toEqual({ status: 401, error: 'invalid_client' });
    await expectInvalidClient(await post('/token', lab, HOSPITAL_V4, { grant_type: 'client_credentials' }, counted.url));
    await expectInvalidClient(await post('/introspect', lab, HOSPITAL_V4, { token: 'anything' }, counted.url));

    const rows = await api.db.query<{ ip: string | null; endpoint: string; outcome: string }>(
      `SELECT ip, details->>'endpoint' AS endpoint, outcome FROM audit_events
        WHERE event_type = 'oidc.client.ip_refused' AND client_id = $1 AND details->>'reason' = 'address_unverifiable' ORDER BY seq`,
      [lab.clientId],
    );
    expect(rows).toEqual([
      { ip: HOSPITAL_V4, endpoint: 'token', outcome: 'failure' },
      { ip: HOSPITAL_V4, endpoint: 'token', outcome: 'failure' },
      { ip: HOSPITAL_V4, endpoint: 'introspection', outcome: 'failure' },
    ]);

    // A client without a list is not affected by the setting.
    const open = await register({ name: 'Pharmacy system', type: 'confidential', grantTypes: ['client_credentials'] });
    expect((await oidc.clientCredentialsGrant(await gateway(open, HOSPITAL_V4, counted.url))).access_token).toBeTruthy();
  });

  it('audits setting and changing the list through client.updated', async () => {
    const res = await api.call('PATCH', `/admin/v1/clients/${lab.clientId}`, {
      token: admin,
      headers: { 'if-match': '"1"' },
      body: { allowedIpRanges: ['10.1.0.0/16', '192.0.2.0/24'] },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.allowedIpRanges).toEqual(['10.1.0.0/16', '192.0.2.0/24']);
    const updates = await api.call('GET', `/admin/v1/audit/events?type=client.updated&subject=${lab.clientId}`, { token: auditor });
    expect(updates.body.items[0].details).toMatchObject({
      changed: ['allowedIpRanges'],
      before: { allowedIpRanges: ['10.1.0.0/16', '2001:db8:abcd::/48'] },
      after: { allowedIpRanges: ['10.1.0.0/16', '192.0.2.0/24'] },
    });
    // The new list applies to the next call.
    expect((await oidc.clientCredentialsGrant(await gateway(lab, OUTSIDE_V4))).access_token).toBeTruthy();
  });

  it('refuses bad lists with a 400 naming the field, and lists on public clients', async () => {
    const bad = await api.call('POST', '/admin/v1/clients', {
      token: admin,
      body: { name: 'x', type: 'confidential', grantTypes: ['client_credentials'], allowedIpRanges: ['10.0.0.0/8', 'ward-3.hospital.test', '0.0.0.0/0'] },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['allowedIpRanges.1', 'allowedIpRanges.2']);

    const tooMany = await api.call('POST', '/admin/v1/clients', {
      token: admin,
      body: { name: 'x', type: 'confidential', grantTypes: ['client_credentials'], allowedIpRanges: Array.from({ length: 51 }, (_, i) => `10.0.${i}.0/24`) },
    });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.errors[0].field).toBe('allowedIpRanges');

    const publicApp = await api.call('POST', '/admin/v1/clients', {
      token: admin,
      body: { name: 'Bedside app', type: 'public', applicationType: 'native', redirectUris: ['http://127.0.0.1/cb'], allowedIpRanges: ['10.1.0.0/16'] },
    });
    expect(publicApp.status).toBe(400);
    expect(publicApp.body.errors).toEqual([{ field: 'allowedIpRanges', message: expect.stringMatching(/confidential/) }]);
  });
});
