import { EventEmitter2 } from '@nestjs/event-emitter';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_RESOURCE } from '../../../src/admin/index.js';
import type { DomainEvent } from '../../../src/events/index.js';
import { startAdminApi, type AdminApi } from './admin-api.js';

/**
 * RFC 7009 for JWT admin access tokens (#17): oidc-provider stores no JWT, but the service holds
 * every admin token it issued; the owning client's revocation deletes that record, so the admin
 * API refuses the token at its next request. Another client's revocation changes nothing.
 */
describe('/revoke of a JWT admin access token', () => {
  let api: AdminApi;
  const revoked: DomainEvent[] = [];
  const clients: Record<string, { id: string; secret: string }> = {};

  beforeAll(async () => {
    api = await startAdminApi();
    api.running.app.get(EventEmitter2).onAny((_name: string | string[], event: DomainEvent) => {
      if (event?.name === 'oidc.token.revoked') revoked.push(event);
    });
    const root = await api.token(['super-admin']);
    for (const name of ['owner', 'other']) {
      const created = await api.call('POST', '/admin/v1/clients', {
        token: root,
        body: { name, type: 'confidential', grantTypes: ['client_credentials'], resourceScopes: ['admin:auditor'] },
      });
      expect(created.status).toBe(201);
      clients[name] = { id: created.body.clientId, secret: created.body.clientSecret };
    }
  });

  afterAll(async () => {
    await api?.close();
  });

  const configFor = (name: string) =>
    oidc.discovery(new URL(api.url), clients[name]!.id, undefined, oidc.ClientSecretBasic(clients[name]!.secret), { execute: [oidc.allowInsecureRequests] });
  const tokenFor = async (name: string) =>
    (await api.clientCredentials(clients[name]!.id, clients[name]!.secret, { resource: ADMIN_RESOURCE, scope: 'admin:auditor' })).access_token;
  const whoami = (token: string) => api.call('GET', '/admin/v1/whoami', { token });

  it('revoked by the client it was issued to, it is refused at the next request and the revocation is audited', async () => {
    const token = await tokenFor('owner');
    expect(token.split('.')).toHaveLength(3);
    expect((await whoami(token)).status).toBe(200);
    await oidc.tokenRevocation(await configFor('owner'), token, { token_type_hint: 'access_token' });
    const after = await whoami(token);
    expect(after.status).toBe(401);
    expect(after.body.detail).toBe('the access token was not issued by this service, or has been revoked');
    expect(revoked.at(-1)).toMatchObject({ payload: { kind: 'AccessToken', clientId: clients.owner!.id }, actor: { type: 'client', id: clients.owner!.id } });
    // Revoking it again is still a 200 (RFC 7009 §2.2).
    await oidc.tokenRevocation(await configFor('owner'), token);
  });

  it('introspected by its own client after revocation, it is no longer active', async () => {
    const token = await tokenFor('owner');
    const config = await configFor('owner');
    expect((await oidc.tokenIntrospection(config, token)).active).toBe(true);
    await oidc.tokenRevocation(config, token, { token_type_hint: 'access_token' });
    expect((await whoami(token)).status).toBe(401);
    expect((await oidc.tokenIntrospection(config, token)).active).toBe(false);
  });

  it("another client's revocation answers 200 and changes nothing", async () => {
    const token = await tokenFor('owner');
    const before = revoked.length;
    await oidc.tokenRevocation(await configFor('other'), token);
    expect((await whoami(token)).status).toBe(200);
    expect(revoked).toHaveLength(before);
  });
});
