import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AdminRole } from '../../../src/admin/index.js';
import { IdempotencyCleanupJob } from '../../../src/admin/idempotency-cleanup.job.js';
import { requestFingerprint } from '../../../src/admin/idempotency.service.js';
import { ClientsService } from '../../../src/clients/index.js';
import { OidcService } from '../../../src/oidc/index.js';
import { useEvents } from '../../support/fixture.js';
import { useAdminApi } from './admin-api.js';

const webApp = (name: string) => ({
  name,
  type: 'confidential',
  redirectUris: ['https://ehr.hospital.test/callback'],
  grantTypes: ['authorization_code', 'refresh_token'],
  scope: 'openid profile email',
  mfaPolicy: 'required',
});

/** The clients resource of the admin API against the real application and PostgreSQL. */
describe('/admin/v1/clients', () => {
  const api = useAdminApi();
  let admin: string;
  const events = useEvents(api, (event) => event?.name?.startsWith('client.'));

  beforeAll(async () => {
    // As the oidc module is to wire it: every registration and update is also checked by oidc-provider.
    const provider = api.running.app.get(OidcService).current;
    api.running.app.get(ClientsService).useProviderValidator((metadata) => provider.Client.validate(metadata as Parameters<typeof provider.Client.validate>[0]));
    admin = await api.token(['client-admin']);
  });

  const create = (body: unknown, token = admin, headers: Record<string, string> = {}) =>
    api.call('POST', '/admin/v1/clients', { token, body, headers });
  const eventsFor = (clientId: string, name: string) =>
    events.filter((e) => e.name === name && (e.payload as { clientId: string }).clientId === clientId);

  describe('happy path', () => {
    it('registers a client: 201, Location, ETag, the secret once, and a client.created event', async () => {
      const res = await create({ ...webApp('EHR viewer'), resourceScopes: ['fhir/Patient.read'] });
      expect(res.status).toBe(201);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('location')).toBe(`/admin/v1/clients/${res.body.clientId}`);
      expect(res.headers.get('etag')).toBe('"1"');
      expect(res.body).toMatchObject({
        name: 'EHR viewer',
        type: 'confidential',
        applicationType: 'web',
        tokenEndpointAuthMethod: 'client_secret_basic',
        mfaPolicy: 'required',
        enabled: true,
        hasSecret: true,
        resourceScopes: ['fhir/Patient.read'],
      });
      expect(res.body.clientSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(res.body).not.toHaveProperty('secretHash');

      const got = await api.call('GET', `/admin/v1/clients/${res.body.clientId}`, { token: admin });
      expect(got.status).toBe(200);
      expect(got.headers.get('etag')).toBe('"1"');
      expect(got.body).not.toHaveProperty('clientSecret');
      expect(JSON.stringify(got.body)).not.toContain(res.body.clientSecret);
      expect(JSON.stringify(got.body)).not.toContain('hmac-sha256');

      const [created] = eventsFor(res.body.clientId, 'client.created');
      expect(created?.actor).toEqual({ type: 'client', id: expect.any(String) });
      expect(JSON.stringify(created)).not.toContain(res.body.clientSecret);
    });

    it('registers public native apps and private_key_jwt clients without a secret', async () => {
      const native = await create({ name: 'Desktop charting', type: 'public', redirectUris: ['http://127.0.0.1/callback'] });
      expect(native.status).toBe(201);
      expect(native.body).toMatchObject({ applicationType: 'native', tokenEndpointAuthMethod: 'none', hasSecret: false, clientSecret: null });

      const jwt = await create({
        name: 'Lab interface',
        type: 'confidential',
        grantTypes: ['client_credentials'],
        tokenEndpointAuthMethod: 'private_key_jwt',
        jwksUri: 'https://lab.hospital.test/jwks.json',
        backchannelLogoutUri: 'https://lab.hospital.test/logout',
        mfaPolicy: 'optional',
      });
      expect(jwt.status).toBe(201);
      expect(jwt.body).toMatchObject({ tokenEndpointAuthMethod: 'private_key_jwt', hasSecret: false, clientSecret: null, mfaPolicy: 'optional' });
    });

    it('registers signed userinfo on its own, as discovery advertises, and removes it with null', async () => {
      const res = await create({ ...webApp('Signed userinfo reader'), userinfoSignedResponseAlg: 'ES256' });
      expect(res.status).toBe(201);
      expect(res.body.userinfoSignedResponseAlg).toBe('ES256');
      const provider = api.running.app.get(OidcService).current;
      expect((await provider.Client.find(res.body.clientId))?.userinfoSignedResponseAlg).toBe('ES256');

      const unsupported = await create({ ...webApp('Unsigned alg'), userinfoSignedResponseAlg: 'HS256' });
      expect(unsupported.status).toBe(400);
      expect(unsupported.body.errors.map((e: { field: string }) => e.field)).toContain('userinfoSignedResponseAlg');

      const removed = await api.call('PATCH', `/admin/v1/clients/${res.body.clientId}`, {
        token: admin,
        headers: { 'if-match': res.headers.get('etag')! },
        body: { userinfoSignedResponseAlg: null },
      });
      expect(removed.status).toBe(200);
      expect(removed.body.userinfoSignedResponseAlg).toBeNull();
    });

    it('lists with cursor pagination and a name search', async () => {
      const marker = randomUUID().slice(0, 8);
      for (const n of [1, 2, 3]) expect((await create(webApp(`Radiology ${marker} ${n}`))).status).toBe(201);

      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { status: number; body: { items: Array<{ name: string }>; nextCursor: string | null } } = await api.call(
          'GET',
          `/admin/v1/clients?limit=2&q=${encodeURIComponent(`radiology ${marker}`)}${cursor ? `&cursor=${cursor}` : ''}`,
          { token: admin },
        );
        expect(page.status).toBe(200);
        expect(page.body.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.body.items.map((c) => c.name));
        cursor = page.body.nextCursor;
      } while (cursor);
      expect(seen).toEqual([1, 2, 3].map((n) => `Radiology ${marker} ${n}`));

      const all = await api.call('GET', '/admin/v1/clients?limit=200', { token: admin });
      expect(all.body.items.length).toBeGreaterThanOrEqual(5);
      expect(all.body.nextCursor).toBeNull();
      expect(JSON.stringify(all.body)).not.toMatch(/clientSecret|hmac-sha256/);
    });

    it('updates with If-Match: new ETag, before/after in client.updated', async () => {
      const { body: client } = await create(webApp('Pharmacy'));
      const res = await api.call('PATCH', `/admin/v1/clients/${client.clientId}`, {
        token: admin,
        headers: { 'if-match': '"1"' },
        body: { name: 'Pharmacy portal', redirectUris: ['https://pharmacy.hospital.test/cb'], mfaPolicy: 'optional', scope: null },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('etag')).toBe('"2"');
      expect(res.body).toMatchObject({ name: 'Pharmacy portal', redirectUris: ['https://pharmacy.hospital.test/cb'], mfaPolicy: 'optional', scope: null });

      const [updated] = eventsFor(client.clientId, 'client.updated');
      expect(updated?.payload).toMatchObject({
        changed: ['mfaPolicy', 'name', 'redirectUris', 'scope'],
        before: { name: 'Pharmacy', mfaPolicy: 'required', scope: 'openid profile email' },
        after: { name: 'Pharmacy portal', mfaPolicy: 'optional' },
      });
      expect(JSON.stringify(updated)).not.toContain(client.clientSecret);
    });

    it('requires PAR and signed request objects per client (RFC 9126, RFC 9101), each change in client.updated', async () => {
      const { body: client } = await create(webApp('Theatre list'));
      expect(client).toMatchObject({ requirePushedAuthorizationRequests: false, requireSignedRequestObject: false });

      const jwk = { kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0', kid: 'jar-1' };
      const res = await api.call('PATCH', `/admin/v1/clients/${client.clientId}`, {
        token: admin,
        headers: { 'if-match': '"1"' },
        body: { requirePushedAuthorizationRequests: true, requireSignedRequestObject: true, jwks: { keys: [jwk] } },
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ requirePushedAuthorizationRequests: true, requireSignedRequestObject: true });
      expect((await api.call('GET', `/admin/v1/clients/${client.clientId}`, { token: admin })).body).toMatchObject({
        requirePushedAuthorizationRequests: true,
        requireSignedRequestObject: true,
      });
      const stored = await api.running.app.get(ClientsService).findProviderMetadata(client.clientId);
      expect(stored).toMatchObject({ require_pushed_authorization_requests: true, require_signed_request_object: true });

      const relaxed = await api.call('PATCH', `/admin/v1/clients/${client.clientId}`, {
        token: admin,
        headers: { 'if-match': '"2"' },
        body: { requirePushedAuthorizationRequests: false },
      });
      expect(relaxed.status).toBe(200);
      expect(eventsFor(client.clientId, 'client.updated').map((e) => e.payload)).toEqual([
        expect.objectContaining({
          changed: ['jwks', 'requirePushedAuthorizationRequests', 'requireSignedRequestObject'],
          before: expect.objectContaining({ requirePushedAuthorizationRequests: false, requireSignedRequestObject: false }),
          after: expect.objectContaining({ requirePushedAuthorizationRequests: true, requireSignedRequestObject: true }),
        }),
        expect.objectContaining({
          changed: ['requirePushedAuthorizationRequests'],
          after: expect.objectContaining({ requirePushedAuthorizationRequests: false, requireSignedRequestObject: true }),
        }),
      ]);

      // Keys cannot be removed while signed request objects are required.
      const orphaned = await api.call('PATCH', `/admin/v1/clients/${client.clientId}`, {
        token: admin,
        headers: { 'if-match': '"3"' },
        body: { jwks: null },
      });
      expect(orphaned.status).toBe(400);
      expect(orphaned.body.errors.map((e: { field: string }) => e.field)).toEqual(['requireSignedRequestObject']);
    });

    it('documents the PAR and JAR fields in the OpenAPI document: registration, update and response', async () => {
      const doc = (await api.call('GET', '/admin/openapi.json')).body;
      const resolve = (schema: any): any => (schema?.$ref ? resolve(doc.components.schemas[schema.$ref.split('/').pop()]) : schema);
      const client = doc.paths['/admin/v1/clients'];
      const one = doc.paths['/admin/v1/clients/{clientId}'];
      const schemas = {
        register: resolve(client.post.requestBody.content['application/json'].schema),
        update: resolve(one.patch.requestBody.content['application/json'].schema),
        response: resolve(one.get.responses['200'].content['application/json'].schema),
      };
      for (const [name, schema] of Object.entries(schemas)) {
        for (const field of ['requirePushedAuthorizationRequests', 'requireSignedRequestObject']) {
          expect(schema.properties?.[field], `${name}.${field}`).toMatchObject({ type: 'boolean', description: expect.stringMatching(/RFC 91(26|01)/) });
        }
      }
      expect(schemas.register.properties.requirePushedAuthorizationRequests.default).toBe(false);
    });

    it('rotates the secret (returned once), disables, enables and deletes, each with its event', async () => {
      const { body: client } = await create(webApp('Scheduling'));
      const id = client.clientId as string;

      const rotated = await api.call('POST', `/admin/v1/clients/${id}/secret`, { token: admin });
      expect(rotated.status).toBe(200);
      expect(rotated.body.clientSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(rotated.body.clientSecret).not.toBe(client.clientSecret);
      expect(eventsFor(id, 'client.secret.rotated')).toHaveLength(1);
      expect(JSON.stringify(eventsFor(id, 'client.secret.rotated'))).not.toContain(rotated.body.clientSecret);

      const disabled = await api.call('POST', `/admin/v1/clients/${id}/disable`, { token: admin, headers: { 'if-match': rotated.headers.get('etag')! } });
      expect(disabled.status).toBe(200);
      expect(disabled.body.enabled).toBe(false);
      expect(eventsFor(id, 'client.disabled')).toHaveLength(1);

      const enabled = await api.call('POST', `/admin/v1/clients/${id}/enable`, { token: admin });
      expect(enabled.body.enabled).toBe(true);
      expect(eventsFor(id, 'client.enabled')).toHaveLength(1);

      const deleted = await api.call('DELETE', `/admin/v1/clients/${id}`, { token: admin });
      expect(deleted.status).toBe(204);
      expect(eventsFor(id, 'client.deleted')[0]?.payload).toMatchObject({ clientId: id, before: { name: 'Scheduling' } });
      expect((await api.call('GET', `/admin/v1/clients/${id}`, { token: admin })).status).toBe(404);
      expect((await api.call('GET', '/admin/v1/clients?q=Scheduling', { token: admin })).body.items).toEqual([]);

      // The id stays reserved: nothing can inherit the old app's tokens or audit trail.
      const again = await create({ ...webApp('Impostor'), clientId: id });
      expect(again.status).toBe(409);
    });

    it('lets an auditor read but not change', async () => {
      const auditor = await api.token(['auditor']);
      const { body: client } = await create(webApp('Read me'));
      expect((await api.call('GET', '/admin/v1/clients', { token: auditor })).status).toBe(200);
      expect((await api.call('GET', `/admin/v1/clients/${client.clientId}`, { token: auditor })).status).toBe(200);
      expect((await api.call('POST', `/admin/v1/clients/${client.clientId}/disable`, { token: auditor })).status).toBe(403);
    });
  });

  describe('authorisation', () => {
    // Every route with the roles it accepts besides super-admin.
    const routes: Array<{ method: string; path: (id: string) => string; roles: AdminRole[]; body?: unknown }> = [
      { method: 'POST', path: () => '/admin/v1/clients', roles: ['client-admin'], body: webApp('x') },
      { method: 'GET', path: () => '/admin/v1/clients', roles: ['client-admin', 'auditor'] },
      { method: 'GET', path: (id) => `/admin/v1/clients/${id}`, roles: ['client-admin', 'auditor'] },
      { method: 'PATCH', path: (id) => `/admin/v1/clients/${id}`, roles: ['client-admin'], body: { name: 'y' } },
      { method: 'POST', path: (id) => `/admin/v1/clients/${id}/secret`, roles: ['client-admin'] },
      { method: 'POST', path: (id) => `/admin/v1/clients/${id}/disable`, roles: ['client-admin'] },
      { method: 'POST', path: (id) => `/admin/v1/clients/${id}/enable`, roles: ['client-admin'] },
      { method: 'DELETE', path: (id) => `/admin/v1/clients/${id}`, roles: ['client-admin'] },
    ];
    const ALL: AdminRole[] = ['user-admin', 'client-admin', 'key-admin', 'auditor'];

    it.each(routes)('$method $roles: 401 without a token, 403 with every other role, nothing changed', async (route) => {
      const { body: client } = await create(webApp('Guarded'));
      const path = route.path(client.clientId);
      const anonymous = await api.call(route.method, path, { body: route.body, headers: { 'if-match': '"1"' } });
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(anonymous.headers.get('content-type')).toMatch(/^application\/problem\+json/);

      const others = await api.token(ALL.filter((r) => !route.roles.includes(r)));
      const forbidden = await api.call(route.method, path, { token: others, body: route.body, headers: { 'if-match': '"1"' } });
      expect(forbidden.status).toBe(403);
      expect(forbidden.headers.get('content-type')).toMatch(/^application\/problem\+json/);

      const after = await api.call('GET', `/admin/v1/clients/${client.clientId}`, { token: admin });
      expect(after.body).toMatchObject({ name: 'Guarded', enabled: true });
      expect(after.headers.get('etag')).toBe('"1"');
    });

    it('refuses a token for another audience and a garbage token', async () => {
      const { body: client } = await create({ name: 'Other API caller', type: 'confidential', grantTypes: ['client_credentials'] });
      const { access_token } = await api.clientCredentials(client.clientId, client.clientSecret);
      expect((await api.call('GET', '/admin/v1/clients', { token: access_token })).status).toBe(401);
      expect((await api.call('GET', '/admin/v1/clients', { token: 'not.a.token' })).status).toBe(401);
    });

    it('keeps admin scopes to super-admin: a client-admin can neither mint nor take over an admin client', async () => {
      const minted = await create({ name: 'Escalation', type: 'confidential', grantTypes: ['client_credentials'], resourceScopes: ['admin:super-admin'] });
      expect(minted.status).toBe(403);

      const { body: app } = await create(webApp('Becomes admin'));
      const raised = await api.call('PATCH', `/admin/v1/clients/${app.clientId}`, {
        token: admin,
        headers: { 'if-match': '"1"' },
        body: { resourceScopes: ['admin:client-admin'] },
      });
      expect(raised.status).toBe(403);

      const superAdmin = await api.token(['super-admin']);
      const { body: adminClient } = await create(
        { name: 'Provisioning bot', type: 'confidential', grantTypes: ['client_credentials'], resourceScopes: ['admin:user-admin'] },
        superAdmin,
      );
      expect(adminClient.clientId).toBeTruthy();
      for (const [method, path] of [
        ['POST', `/admin/v1/clients/${adminClient.clientId}/secret`],
        ['POST', `/admin/v1/clients/${adminClient.clientId}/disable`],
        ['DELETE', `/admin/v1/clients/${adminClient.clientId}`],
      ] as const) {
        expect((await api.call(method, path, { token: admin })).status).toBe(403);
      }
      expect((await api.call('POST', `/admin/v1/clients/${adminClient.clientId}/secret`, { token: superAdmin })).status).toBe(200);
    });

    it('knows one spelling of an admin scope: lookalikes in another case are refused for everyone, naming the field', async () => {
      const machine = (resourceScopes: string[]) => ({ name: 'Lookalike', type: 'confidential', grantTypes: ['client_credentials'], resourceScopes });
      const superAdmin = await api.token(['super-admin']);
      for (const [scopes, message] of [
        [['ADMIN:smart-launch'], 'admin scopes are lowercase: write admin:smart-launch, not ADMIN:smart-launch'],
        [['openid', 'Admin:Super-Admin'], 'admin scopes are lowercase: write admin:super-admin, not Admin:Super-Admin'],
        [['admin:superadmin'], expect.stringContaining('the admin: prefix is reserved for admin scopes')],
      ] as const) {
        for (const token of [admin, superAdmin]) {
          const res = await create(machine([...scopes]), token);
          expect(res.status, scopes.join(' ')).toBe(400);
          expect(res.body.errors).toEqual([{ field: `resourceScopes.${scopes.length - 1}`, message }]);
        }
      }
      const { body: app } = await create(webApp('Lookalike later'));
      const patched = await api.call('PATCH', `/admin/v1/clients/${app.clientId}`, {
        token: admin,
        headers: { 'if-match': '"1"' },
        body: { resourceScopes: ['ADMIN:key-admin'], scope: 'openid ADMIN:auditor' },
      });
      expect(patched.status).toBe(400);
      expect(patched.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['resourceScopes.0', 'scope']);
    });
  });

  describe('malformed input', () => {
    it.each([
      ['an empty name', { ...webApp('x'), name: '' }, 'name'],
      ['an http redirect URI', { ...webApp('x'), redirectUris: ['http://ehr.hospital.test/cb'] }, 'redirectUris.0'],
      ['an unknown grant type', { ...webApp('x'), grantTypes: ['password'] }, 'grantTypes.0'],
      ['an unknown field', { ...webApp('x'), clientSecret: 'I choose my own secret, thanks' }, 'clientSecret'],
      ['a public client with a secret', { ...webApp('x'), type: 'public', tokenEndpointAuthMethod: 'client_secret_post' }, 'tokenEndpointAuthMethod'],
      ['private_key_jwt without keys', { ...webApp('x'), tokenEndpointAuthMethod: 'private_key_jwt' }, 'jwks'],
      ['a wrong MFA policy', { ...webApp('x'), mfaPolicy: 'sometimes' }, 'mfaPolicy'],
      ['signed request objects required without keys', { ...webApp('x'), requireSignedRequestObject: true }, 'requireSignedRequestObject'],
      ['PAR required as a string', { ...webApp('x'), requirePushedAuthorizationRequests: 'yes' }, 'requirePushedAuthorizationRequests'],
    ])('register with %s: 400 naming %s', async (_label, body, field) => {
      const res = await create(body);
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    });

    it('a bad query, path parameter or update field is a 400 naming it', async () => {
      const list = await api.call('GET', '/admin/v1/clients?limit=1000&cursor=forged', { token: admin });
      expect(list.status).toBe(400);
      expect(list.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['cursor', 'limit']);

      const param = await api.call('GET', '/admin/v1/clients/no%20spaces', { token: admin });
      expect(param.status).toBe(400);
      expect(param.body.errors[0].field).toBe('clientId');

      const { body: client } = await create(webApp('Typed'));
      const update = await api.call('PATCH', `/admin/v1/clients/${client.clientId}`, {
        token: admin,
        headers: { 'if-match': '"1"' },
        body: { type: 'public', redirectUris: ['ftp://x'] },
      });
      expect(update.status).toBe(400);
      expect(update.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['redirectUris.0', 'type']);

      // Valid alone, invalid together: cross-field rules run on the merged client.
      const merged = await api.call('PATCH', `/admin/v1/clients/${client.clientId}`, {
        token: admin,
        headers: { 'if-match': '"1"' },
        body: { redirectUris: [] },
      });
      expect(merged.status).toBe(400);
      expect(merged.body.errors[0].field).toBe('redirectUris');
    });

    it('refuses bodies that are not JSON (415), malformed JSON (400) and oversize bodies (413), as problems', async () => {
      const form = await api.call('POST', '/admin/v1/clients', {
        token: admin,
        body: 'name=x&type=public',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(form.status).toBe(415);
      expect(form.headers.get('content-type')).toMatch(/^application\/problem\+json/);

      const broken = await api.call('POST', '/admin/v1/clients', { token: admin, body: '{"name":', headers: { 'content-type': 'application/json' } });
      expect(broken.status).toBe(400);
      expect(broken.body.errors).toEqual([{ field: 'body', message: 'is not valid JSON' }]);

      const huge = await create({ ...webApp('x'), name: 'x'.repeat(100_000) });
      expect(huge.status).toBe(413);
      expect(huge.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    });
  });

  describe("the OpenID Provider's own metadata check", () => {
    it('refuses at registration and update what the provider would refuse at sign-in', async () => {
      const checked = await create(webApp('Checked by the provider'));
      expect(checked.status).toBe(201);
      const native = await create({ name: 'Checked native', type: 'public', redirectUris: ['http://[::1]:9000/cb'] });
      expect(native.status).toBe(201);

      const unsupported = await create({ ...webApp('Unknown scope'), scope: 'openid launch/patient-everything' });
      expect(unsupported.status).toBe(400);
      expect(unsupported.body.errors[0].message).toMatch(/scope/);

      const { body: client } = await create(webApp('Later broken'));
      const patched = await api.call('PATCH', `/admin/v1/clients/${client.clientId}`, {
        token: admin,
        headers: { 'if-match': '"1"' },
        body: { scope: 'openid no-such-scope' },
      });
      expect(patched.status).toBe(400);
    });
  });

  describe('concurrency', () => {
    it('requires If-Match on updates (428) and refuses a stale one (412) without changing anything', async () => {
      const { body: client } = await create(webApp('Cardiology'));
      const path = `/admin/v1/clients/${client.clientId}`;
      const missing = await api.call('PATCH', path, { token: admin, body: { name: 'A' } });
      expect(missing.status).toBe(428);
      expect((await api.call('PATCH', path, { token: admin, body: { name: 'A' }, headers: { 'if-match': '*' } })).status).toBe(428);

      const first = await api.call('PATCH', path, { token: admin, body: { name: 'Cardiology A' }, headers: { 'if-match': '"1"' } });
      expect(first.status).toBe(200);
      const stale = await api.call('PATCH', path, { token: admin, body: { name: 'Cardiology B' }, headers: { 'if-match': '"1"' } });
      expect(stale.status).toBe(412);
      expect(stale.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const staleDisable = await api.call('POST', `${path}/disable`, { token: admin, headers: { 'if-match': '"1"' } });
      expect(staleDisable.status).toBe(412);

      const now = await api.call('GET', path, { token: admin });
      expect(now.body).toMatchObject({ name: 'Cardiology A', enabled: true });
      expect(now.headers.get('etag')).toBe('"2"');
    });

    it('lets exactly one of two concurrent updates from the same version win', async () => {
      const { body: client } = await create(webApp('Oncology'));
      const path = `/admin/v1/clients/${client.clientId}`;
      const results = await Promise.all(
        ['Oncology A', 'Oncology B'].map((name) => api.call('PATCH', path, { token: admin, body: { name }, headers: { 'if-match': '"1"' } })),
      );
      expect(results.map((r) => r.status).sort()).toEqual([200, 412]);
    });
  });

  describe('Idempotency-Key', () => {
    it('a retried create returns the same response and creates one client', async () => {
      const key = randomUUID();
      const body = webApp(`Idempotent ${key}`);
      const first = await create(body, admin, { 'idempotency-key': key });
      const retry = await create({ ...body }, admin, { 'idempotency-key': key });
      expect(first.status).toBe(201);
      expect(retry.status).toBe(201);
      expect(retry.body).toEqual(first.body);
      expect(retry.body.clientSecret).toBe(first.body.clientSecret);
      expect(retry.headers.get('location')).toBe(first.headers.get('location'));
      expect(retry.headers.get('etag')).toBe(first.headers.get('etag'));
      expect(retry.headers.get('idempotency-replayed')).toBe('true');

      const listed = await api.call('GET', `/admin/v1/clients?q=${encodeURIComponent(key)}`, { token: admin });
      expect(listed.body.items).toHaveLength(1);
      expect(eventsFor(first.body.clientId, 'client.created')).toHaveLength(1);

      // The stored response holds a secret: it is sealed at rest, never in clear.
      const rows = await api.db.query<{ sealed_response: string }>('SELECT sealed_response FROM admin_idempotency_records');
      expect(rows.length).toBeGreaterThan(0);
      expect(JSON.stringify(rows)).not.toContain(first.body.clientSecret);
    });

    it('the same key with a different body is a 422 and creates nothing', async () => {
      const key = randomUUID();
      expect((await create(webApp(`First ${key}`), admin, { 'idempotency-key': key })).status).toBe(201);
      const other = await create(webApp(`Second ${key}`), admin, { 'idempotency-key': key });
      expect(other.status).toBe(422);
      expect((await api.call('GET', `/admin/v1/clients?q=${encodeURIComponent(`Second ${key}`)}`, { token: admin })).body.items).toEqual([]);
    });

    it('keys belong to their principal: another admin with the same key gets its own client', async () => {
      const key = randomUUID();
      const body = webApp(`Shared key ${key}`);
      const mine = await create(body, admin, { 'idempotency-key': key });
      const theirs = await create(body, await api.token(['super-admin']), { 'idempotency-key': key });
      expect(theirs.status).toBe(201);
      expect(theirs.body.clientId).not.toBe(mine.body.clientId);
      expect(theirs.body.clientSecret).not.toBe(mine.body.clientSecret);
    });

    it('a failed create does not burn the key, and an expired key runs again', async () => {
      const key = randomUUID();
      expect((await create({ ...webApp('x'), name: '' }, admin, { 'idempotency-key': key })).status).toBe(400);
      const ok = await create(webApp(`After failure ${key}`), admin, { 'idempotency-key': key });
      expect(ok.status).toBe(201);

      await api.db.query(`UPDATE admin_idempotency_records SET expires_at = now() - interval '1 second' WHERE idempotency_key = $1`, [key]);
      const later = await create(webApp(`After failure ${key}`), admin, { 'idempotency-key': key });
      expect(later.status).toBe(201);
      expect(later.body.clientId).not.toBe(ok.body.clientId);
    });

    it('answers 409 while the first request with the key is still running', async () => {
      const key = randomUUID();
      const body = webApp(`In flight ${key}`);
      const me = (await api.call('GET', '/admin/v1/whoami', { token: admin })).body as { kind: string; id: string };
      await api.db.query(
        `INSERT INTO admin_idempotency_records (principal, idempotency_key, fingerprint, sealed_response, created_at, expires_at)
         VALUES ($1, $2, $3, NULL, now(), now() + interval '1 day')`,
        [`${me.kind}:${me.id}`, key, requestFingerprint('POST', '/admin/v1/clients', body)],
      );
      const res = await create(body, admin, { 'idempotency-key': key });
      expect(res.status).toBe(409);
      expect((await api.call('GET', `/admin/v1/clients?q=${encodeURIComponent(key)}`, { token: admin })).body.items).toEqual([]);
    });

    it('expired records are deleted by the cleanup job', async () => {
      const key = randomUUID();
      await create(webApp(`Cleanup ${key}`), admin, { 'idempotency-key': key });
      await api.db.query(`UPDATE admin_idempotency_records SET expires_at = now() - interval '1 second' WHERE idempotency_key = $1`, [key]);
      expect(await api.running.app.get(IdempotencyCleanupJob).run()).toBeGreaterThanOrEqual(1);
      expect(await api.db.query('SELECT 1 FROM admin_idempotency_records WHERE idempotency_key = $1', [key])).toEqual([]);
    });

    it('refuses a malformed key', async () => {
      const res = await create(webApp('x'), admin, { 'idempotency-key': 'x'.repeat(300) });
      expect(res.status).toBe(400);
      expect(res.body.errors[0].field).toBe('Idempotency-Key');
    });
  });
});
