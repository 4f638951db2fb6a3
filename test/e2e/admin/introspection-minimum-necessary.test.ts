import * as oidc from 'openid-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { ClientsService } from '../../../src/clients/index.js';
import { waitFor } from '../../support/ports.js';
import { useAdminApi } from '../../integration/admin/admin-api.js';

const LAB_API = 'https://lab.hospital.test/api';
const LAB_AUDIENCE = 'lab-results-api';

/**
 * Introspection tells about a token only the client it was issued to, or a resource server in
 * its audience (a client whose client_id is the audience); any other client that authenticates
 * learns `active: false`, not the token's sub, client_id and scopes, and the refusal is audited.
 */
describe('introspection, minimum necessary', () => {
  const api = useAdminApi();
  let root: string;
  let app: oidc.Configuration;
  let bystander: oidc.Configuration;
  let labApi: oidc.Configuration;
  let appId: string;
  let bystanderId: string;

  const register = async (body: Record<string, unknown>) => {
    const res = await api.call('POST', '/admin/v1/clients', {
      token: root,
      body: { type: 'confidential', grantTypes: ['client_credentials'], tokenEndpointAuthMethod: 'client_secret_basic', ...body },
    });
    expect(res.status).toBe(201);
    const config = await oidc.discovery(new URL(api.url), res.body.clientId, undefined, oidc.ClientSecretBasic(res.body.clientSecret), {
      execute: [oidc.allowInsecureRequests],
    });
    return { id: res.body.clientId as string, config };
  };

  beforeAll(async () => {
    root = await api.token(['super-admin']);
    await api.running.app.get(ClientsService).registerResourceServer({ identifier: LAB_API, name: 'Lab results API', audience: LAB_AUDIENCE, scopes: ['lab.read'] });
    ({ id: appId, config: app } = await register({ name: 'Lab results viewer', resourceScopes: ['lab.read'] }));
    ({ id: bystanderId, config: bystander } = await register({ name: 'Scheduling app' }));
    ({ config: labApi } = await register({ name: 'Lab results API', clientId: LAB_AUDIENCE }));
  });

  it('describes an opaque token to its own client only', async () => {
    const { access_token } = await oidc.clientCredentialsGrant(app);
    expect(await oidc.tokenIntrospection(app, access_token)).toMatchObject({ active: true, client_id: appId });
    const other = await oidc.tokenIntrospection(bystander, access_token);
    expect(other).toEqual({ active: false });
  });

  it('describes a JWT for an API to its client and to that API, to no one else', async () => {
    const { access_token } = await oidc.clientCredentialsGrant(app, { resource: LAB_API, scope: 'lab.read' });
    expect(await oidc.tokenIntrospection(labApi, access_token)).toMatchObject({ active: true, client_id: appId, scope: 'lab.read', aud: LAB_AUDIENCE });
    expect((await oidc.tokenIntrospection(app, access_token)).active).toBe(true);
    expect(await oidc.tokenIntrospection(bystander, access_token)).toEqual({ active: false });
  });

  it('audits each refusal with the caller and the token owner, never the token', async () => {
    const records = await waitFor('two refusals in the audit trail', async () => {
      const res = await api.call('GET', '/admin/v1/audit/events?type=oidc.introspection.refused', { token: root });
      return res.body.items?.length >= 2 ? res.body.items : undefined;
    });
    for (const record of records) {
      expect(record).toMatchObject({ outcome: 'failure', actor: { type: 'client', id: bystanderId }, subject: { type: 'client', id: appId } });
      expect(record.details).toMatchObject({ callerClientId: bystanderId, tokenClientId: appId });
      expect(record.details.tokenRef).toEqual(expect.any(String));
    }
  });
});
