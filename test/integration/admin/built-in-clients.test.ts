import { beforeAll, describe, expect, it } from 'vitest';
import { ClientManagementService, ClientsService } from '../../../src/clients/index.js';
import { SYSTEM_ACTOR } from '../../../src/events/index.js';
import { useEvents } from '../../support/fixture.js';
import { useAdminApi } from './admin-api.js';

/**
 * The built-in clients (#17): the account app and the admin console are registered by the
 * service on first use. Their ids are reserved (the admin API refuses them), and a row already
 * under such an id (left by a registration before the reservation) is repaired on first use:
 * the service never keeps a weaker sign-in policy or someone else's redirect targets.
 */
describe('built-in client ids', () => {
  const api = useAdminApi();
  let admin: string;

  beforeAll(async () => {
    admin = await api.token(['client-admin']);
  });

  it.each(['caduceus-account', 'caduceus-admin-console', 'caduceus-anything'])('a client-admin cannot register %s: 400 naming clientId', async (clientId) => {
    const res = await api.call('POST', '/admin/v1/clients', {
      token: admin,
      body: {
        clientId,
        name: 'squatter',
        type: 'public',
        redirectUris: ['https://evil.example/cb'],
        postLogoutRedirectUris: ['https://evil.example/out'],
        mfaPolicy: 'optional',
      },
    });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(['clientId']);
    expect((await api.call('GET', `/admin/v1/clients/${clientId}`, { token: admin })).status).toBe(404);
  });

});

describe('built-in client registration', () => {
  const api = useAdminApi();

  it.each([
    ['caduceus-account', '/account'],
    ['caduceus-admin-console', '/admin/console/config.json'],
  ])('a weakened registration under %s is repaired when %s is first opened', async (clientId, path) => {
    await api.running.app.get(ClientsService).createClient(
      {
        clientId,
        name: 'squatter',
        type: 'public',
        redirectUris: ['https://evil.example/cb'],
        postLogoutRedirectUris: ['https://evil.example/out'],
        grantTypes: ['authorization_code', 'refresh_token'],
        scope: 'openid profile email offline_access',
        backchannelLogoutUri: 'https://evil.example/bcl',
        mfaPolicy: 'optional',
      },
      SYSTEM_ACTOR,
      // Planted as a row written before these ids were reserved everywhere (every other caller is refused).
      { builtIn: true },
    );
    const opened = await fetch(new URL(path, api.url), { redirect: 'manual' });
    expect([200, 303]).toContain(opened.status);
    const got = await api.call('GET', `/admin/v1/clients/${clientId}`, { token: await api.token(['super-admin']) });
    expect(got.status).toBe(200);
    expect(got.body.mfaPolicy).toBe('required');
    expect(got.body.grantTypes).toEqual(['authorization_code']);
    expect(got.body.tokenEndpointAuthMethod).toBe('none');
    expect(JSON.stringify(got.body)).not.toContain('evil.example');
    expect(got.body.scope ?? 'openid').not.toContain('offline_access');
  });
});

/**
 * Outside attack of session 5 (#17): a client-admin could PATCH the account app's redirect URIs,
 * disable it or delete it, and /account then answered invalid_client for everyone. The service
 * keeps its own clients: the admin API refuses every change to them, to any role, audited.
 */
describe('built-in clients are not writable through the admin API', () => {
  const api = useAdminApi();
  const refusals = useEvents(api, (e) => e?.name === 'admin.forbidden');

  it.each(['client-admin', 'super-admin'] as const)('refuses a %s every change, disable, delete and secret rotation of caduceus-account: 403, audited', async (role) => {
    expect([200, 303]).toContain((await fetch(new URL('/account', api.url), { redirect: 'manual' })).status);
    const token = await api.token([role]);
    const path = '/admin/v1/clients/caduceus-account';
    const current = await api.call('GET', path, { token });
    expect(current.status).toBe(200);
    const ifMatch = { 'if-match': current.headers.get('etag')! };
    const attempts: Array<[string, string, unknown]> = [
      ['PATCH', path, { redirectUris: ['https://evil.example/cb'] }],
      ['POST', `${path}/disable`, undefined],
      ['POST', `${path}/secret`, undefined],
      ['DELETE', path, undefined],
    ];
    for (const [method, url, body] of attempts) {
      const res = await api.call(method, url, { token, body, headers: ifMatch });
      expect(res.status, `${method} ${url}`).toBe(403);
      expect(res.body.detail, `${method} ${url}`).toMatch(/built-in client/);
      expect(refusals.some((e) => (e.payload as { method: string; path: string }).path === url && (e.payload as { method: string }).method === method)).toBe(true);
    }
    const after = await api.call('GET', path, { token });
    expect(after.body).toEqual(current.body);
    expect([200, 303]).toContain((await fetch(new URL('/account', api.url), { redirect: 'manual' })).status);
  });

  it.each(['client-admin', 'super-admin'] as const)("refuses a %s a change of a built-in client's consent policy (first-party): 403, audited, unchanged", async (role) => {
    expect([200, 303]).toContain((await fetch(new URL('/account', api.url), { redirect: 'manual' })).status);
    const token = await api.token([role]);
    for (const clientId of ['caduceus-account', 'caduceus-admin-console']) {
      const path = `/admin/v1/clients/${clientId}/consent-policy`;
      const current = await api.call('GET', path, { token });
      const res = await api.call('PUT', path, { token, body: { firstParty: false }, headers: current.headers.get('etag') ? { 'if-match': current.headers.get('etag')! } : {} });
      expect(res.status, path).toBe(403);
      expect(res.body.detail, path).toMatch(/built-in client/);
      expect(refusals.some((e) => (e.payload as { path: string }).path === path)).toBe(true);
      expect((await api.call('GET', path, { token })).body, path).toEqual(current.body);
    }
  });
});

describe('admin scopes in the scope catalogue', () => {
  const api = useAdminApi();

  it.each(['admin:super-admin', 'ADMIN:super-admin', 'Admin:x'])('refuses a client-admin a description of %s: 400 naming name, nothing stored', async (name) => {
    const token = await api.token(['client-admin']);
    const res = await api.call('PUT', `/admin/v1/scopes/${encodeURIComponent(name)}`, { token, body: { description: 'harmless thing', group: 'other' } });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toMatch(/name/);
    expect(await api.db.query(`SELECT 1 FROM consent_custom_scopes WHERE lower(name) LIKE 'admin:%'`, [])).toEqual([]);
  });
});

describe('a built-in client found deleted or disabled', () => {
  const api = useAdminApi();
  const restored = useEvents(api, (e) => e?.name === 'client.restored');

  it.each([
    ['caduceus-account', '/account', 'deleted'],
    ['caduceus-admin-console', '/admin/console/config.json', 'disabled'],
  ] as const)('%s is restored when %s is first opened (it was %s in the database)', async (clientId, path, how) => {
    const management = api.running.app.get(ClientManagementService);
    await api.running.app.get(ClientsService).createClient(
      { clientId, name: 'built-in', type: 'public', redirectUris: ['https://evil.example/cb'], mfaPolicy: 'required' },
      SYSTEM_ACTOR,
      { builtIn: true },
    );
    // Removed by a path the admin API no longer offers (by hand in the database, or before this release).
    if (how === 'deleted') await management.delete(clientId, { actor: SYSTEM_ACTOR });
    else await management.setEnabled(clientId, false, { actor: SYSTEM_ACTOR });

    const opened = await fetch(new URL(path, api.url), { redirect: 'manual' });
    expect([200, 303]).toContain(opened.status);
    const got = await api.call('GET', `/admin/v1/clients/${clientId}`, { token: await api.token(['super-admin']) });
    expect(got.status).toBe(200);
    expect(got.body.enabled).toBe(true);
    expect(JSON.stringify(got.body)).not.toContain('evil.example');
    expect(restored.find((e) => (e.payload as { clientId: string }).clientId === clientId)?.payload).toMatchObject({
      wasDeleted: how === 'deleted',
      wasDisabled: true,
    });
  });
});
