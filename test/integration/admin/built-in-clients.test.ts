import { beforeAll, describe, expect, it } from 'vitest';
import { ClientsService } from '../../../src/clients/index.js';
import { SYSTEM_ACTOR } from '../../../src/events/index.js';
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
