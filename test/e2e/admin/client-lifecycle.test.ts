import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientsService } from '../../../src/clients/index.js';
import { startAdminApi, type AdminApi } from '../../integration/admin/admin-api.js';

const LAB_API = 'https://lab.hospital.test/api';
/** The lab API introspects as the client whose client_id is its audience (introspection is for the token's audience only). */
const LAB_AUDIENCE = 'lab-results-api';
/** A second resource server whose tokens are JWTs (RFC 9068), which oidc-provider does not store. */
const IMAGING_API = 'https://imaging.hospital.test/api';
const IMAGING_AUDIENCE = 'imaging-api';

type Registered = { clientId: string; clientSecret: string };

/**
 * An integration engineer registers an app through the admin API, and the app uses it with a
 * standard OIDC library (openid-client): client credentials and introspection. Then the
 * lifecycle an administrator drives (rotate, disable, enable, delete) takes effect at once for
 * the app and for the resource server that introspects its tokens.
 */
describe('a client registered through the admin API, used with openid-client', () => {
  let api: AdminApi;
  let admin: string;
  let app: Registered;
  let resourceServer: oidc.Configuration;
  let imagingServer: oidc.Configuration;

  const discover = (client: Registered) =>
    oidc.discovery(new URL(api.url), client.clientId, undefined, oidc.ClientSecretBasic(client.clientSecret), {
      execute: [oidc.allowInsecureRequests],
    });
  const register = async (name: string, extra: Record<string, unknown> = {}): Promise<Registered> => {
    const res = await api.call('POST', '/admin/v1/clients', {
      token: admin,
      body: { name, type: 'confidential', grantTypes: ['client_credentials'], tokenEndpointAuthMethod: 'client_secret_basic', ...extra },
    });
    expect(res.status).toBe(201);
    return { clientId: res.body.clientId, clientSecret: res.body.clientSecret };
  };
  const grantFails = async (config: oidc.Configuration) => {
    const failure = await oidc.clientCredentialsGrant(config).then(
      () => undefined,
      (err: { status?: number; response?: Response }) => err,
    );
    expect(failure?.status).toBe(401);
    expect(await failure?.response?.json()).toMatchObject({ error: 'invalid_client' });
  };
  /** A token for the lab API, as the app asks for one. */
  const labToken = async (config: oidc.Configuration) => (await oidc.clientCredentialsGrant(config, { resource: LAB_API, scope: 'lab.read' })).access_token;
  /** What a resource server sees for the token: introspected with its own credentials. */
  const active = async (token: string) => (await oidc.tokenIntrospection(resourceServer, token)).active;

  beforeAll(async () => {
    api = await startAdminApi();
    admin = await api.token(['client-admin']);
    await api.running.app
      .get(ClientsService)
      .registerResourceServer({ identifier: LAB_API, name: 'Lab results API', audience: LAB_AUDIENCE, scopes: ['lab.read'], accessTokenFormat: 'opaque' });
    app = await register('Lab results interface', { resourceScopes: ['lab.read'] });
    resourceServer = await discover(await register('Lab results API', { clientId: LAB_AUDIENCE }));
    await api.running.app
      .get(ClientsService)
      .registerResourceServer({ identifier: IMAGING_API, name: 'Imaging API', audience: IMAGING_AUDIENCE, scopes: ['lab.read'], accessTokenFormat: 'jwt' });
    imagingServer = await discover(await register('Imaging API', { clientId: IMAGING_AUDIENCE }));
  });

  afterAll(async () => {
    await api?.close();
  });

  it('gets tokens with client credentials, and they introspect active', async () => {
    const config = await discover(app);
    const tokens = await oidc.clientCredentialsGrant(config);
    expect(tokens.token_type).toBe('bearer');
    const own = await oidc.tokenIntrospection(config, tokens.access_token);
    expect(own).toMatchObject({ active: true, client_id: app.clientId });
    // Not in the token's audience: the lab API learns nothing about it; its own tokens it does see.
    expect(await active(tokens.access_token)).toBe(false);
    expect(await active(await labToken(config))).toBe(true);
  });

  it('rotating the secret makes the old one fail at once and the new one work', async () => {
    const before = await discover(app);
    expect((await oidc.clientCredentialsGrant(before)).access_token).toBeTruthy();

    const rotated = await api.call('POST', `/admin/v1/clients/${app.clientId}/secret`, { token: admin });
    expect(rotated.status).toBe(200);
    await grantFails(before);

    app = { ...app, clientSecret: rotated.body.clientSecret };
    expect((await oidc.clientCredentialsGrant(await discover(app))).access_token).toBeTruthy();
  });

  it('disabling the client makes its existing token introspect inactive and refuses new grants; enabling restores grants', async () => {
    const config = await discover(app);
    const access_token = await labToken(config);
    expect(await active(access_token)).toBe(true);

    expect((await api.call('POST', `/admin/v1/clients/${app.clientId}/disable`, { token: admin })).status).toBe(200);
    expect(await active(access_token)).toBe(false);
    await grantFails(config);

    expect((await api.call('POST', `/admin/v1/clients/${app.clientId}/enable`, { token: admin })).status).toBe(200);
    expect((await oidc.clientCredentialsGrant(await discover(app))).access_token).toBeTruthy();
  });

  it('disabling the client makes its JWT access tokens introspect inactive too, not only its stored ones', async () => {
    const config = await discover(app);
    const { access_token } = await oidc.clientCredentialsGrant(config, { resource: IMAGING_API, scope: 'lab.read' });
    expect(access_token.split('.')).toHaveLength(3);
    expect((await oidc.tokenIntrospection(imagingServer, access_token)).active).toBe(true);

    expect((await api.call('POST', `/admin/v1/clients/${app.clientId}/disable`, { token: admin })).status).toBe(200);
    expect((await oidc.tokenIntrospection(imagingServer, access_token)).active).toBe(false);
    expect((await api.call('POST', `/admin/v1/clients/${app.clientId}/enable`, { token: admin })).status).toBe(200);
  });

  it('deleting the client makes its tokens inactive and its credentials useless', async () => {
    const config = await discover(app);
    const access_token = await labToken(config);
    expect(await active(access_token)).toBe(true);
    expect((await api.call('DELETE', `/admin/v1/clients/${app.clientId}`, { token: admin })).status).toBe(204);
    expect(await active(access_token)).toBe(false);
    await grantFails(config);
  });

  it('disabling an admin client ends its admin API access at once, not when its token expires', async () => {
    const superAdmin = await api.token(['super-admin']);
    const created = await api.call('POST', '/admin/v1/clients', {
      token: superAdmin,
      body: { name: 'Nightly provisioning', type: 'confidential', grantTypes: ['client_credentials'], resourceScopes: ['admin:auditor'] },
    });
    const { access_token } = await api.clientCredentials(created.body.clientId, created.body.clientSecret, {
      resource: 'urn:caduceus:admin',
      scope: 'admin:auditor',
    });
    expect((await api.call('GET', '/admin/v1/whoami', { token: access_token })).status).toBe(200);

    expect((await api.call('POST', `/admin/v1/clients/${created.body.clientId}/disable`, { token: superAdmin })).status).toBe(200);
    const refused = await api.call('GET', '/admin/v1/clients', { token: access_token });
    expect(refused.status).toBe(401);
  });
});
