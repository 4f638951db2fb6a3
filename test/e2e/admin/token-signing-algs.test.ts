import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { ClientsError, ClientsService } from '../../../src/clients/index.js';
import { HttpBrowser } from '../../support/http-browser.js';
import { signIn } from '../../support/sign-in-flow.js';
import { useAdminApi } from '../../integration/admin/admin-api.js';

const REDIRECT = 'https://imaging.hospital.test/callback';
const PACS = 'https://pacs.hospital.test/api';
const PASSWORD = 'a long and unusual passphrase 7';

/**
 * With SIGNING_ALGS=PS256,EdDSA the keys module keeps an active key for ES256, PS256 and EdDSA:
 * a legacy app may have its ID tokens signed with PS256 (or EdDSA), an API its JWT access tokens,
 * each verifiable against /jwks; an algorithm without a key here is refused, naming the field.
 */
describe('token signing algorithms per client and per resource server', () => {
  const api = useAdminApi({ SIGNING_ALGS: 'PS256,EdDSA' });
  let admin: string;

  beforeAll(async () => {
    admin = await api.token(['client-admin', 'user-admin']);
    const user = await api.call('POST', '/admin/v1/users', { token: admin, body: { email: 'radiologist@hospital.test', password: PASSWORD } });
    expect(user.status).toBe(201);
  });

  const register = (body: Record<string, unknown>) =>
    api.call('POST', '/admin/v1/clients', {
      token: admin,
      body: { name: 'PACS viewer', type: 'confidential', redirectUris: [REDIRECT], mfaPolicy: 'optional', ...body },
    });
  const discover = (clientId: string, clientSecret: string) =>
    oidc.discovery(new URL(api.url), clientId, undefined, oidc.ClientSecretBasic(clientSecret), { execute: [oidc.allowInsecureRequests] });
  const idTokenOf = async (config: oidc.Configuration) =>
    (await signIn(new HttpBrowser(api.url), config, REDIRECT, { email: 'radiologist@hospital.test', password: PASSWORD })).tokens.id_token!;

  it('advertises exactly the algorithms it keeps keys for', async () => {
    const meta = (await (await fetch(new URL('/.well-known/openid-configuration', api.url))).json()) as Record<string, string[]>;
    expect(new Set(meta.id_token_signing_alg_values_supported)).toEqual(new Set(['ES256', 'PS256', 'EdDSA']));
  });

  it('signs a client’s ID tokens with the algorithm it registered, verifiable against /jwks', async () => {
    const registered = await register({ idTokenSignedResponseAlg: 'PS256' });
    expect(registered.status).toBe(201);
    expect(registered.body.idTokenSignedResponseAlg).toBe('PS256');
    const config = await discover(registered.body.clientId, registered.body.clientSecret);
    const jwks = createRemoteJWKSet(new URL(config.serverMetadata().jwks_uri!));

    const idToken = await idTokenOf(config);
    expect(decodeProtectedHeader(idToken).alg).toBe('PS256');
    const verified = await jwtVerify(idToken, jwks, { issuer: api.url, audience: registered.body.clientId, algorithms: ['PS256'] });
    expect(verified.protectedHeader.kid).toBeTruthy();

    // Changed later to EdDSA: the next ID token follows.
    const changed = await api.call('PATCH', `/admin/v1/clients/${registered.body.clientId}`, {
      token: admin,
      body: { idTokenSignedResponseAlg: 'EdDSA' },
      headers: { 'if-match': registered.headers.get('etag')! },
    });
    expect(changed.status).toBe(200);
    const next = await idTokenOf(await discover(registered.body.clientId, registered.body.clientSecret));
    await expect(jwtVerify(next, jwks, { issuer: api.url, audience: registered.body.clientId, algorithms: ['EdDSA'] })).resolves.toBeTruthy();
  });

  it('refuses an algorithm it keeps no key for with a 400 naming the field, on create and on update', async () => {
    const refused = await register({ idTokenSignedResponseAlg: 'RS256' });
    expect(refused.status).toBe(400);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(refused.body.errors).toEqual([
      { field: 'idTokenSignedResponseAlg', message: 'RS256 is not one of the signing algorithms this server keeps keys for (SIGNING_ALGS: ES256, PS256, EdDSA)' },
    ]);
    const unknown = await register({ idTokenSignedResponseAlg: 'HS256' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors.map((e: { field: string }) => e.field)).toEqual(['idTokenSignedResponseAlg']);

    const fine = await register({});
    expect(fine.body.idTokenSignedResponseAlg).toBe('ES256');
    const patched = await api.call('PATCH', `/admin/v1/clients/${fine.body.clientId}`, {
      token: admin,
      body: { idTokenSignedResponseAlg: 'RS256' },
      headers: { 'if-match': '"1"' },
    });
    expect(patched.status).toBe(400);
    expect(patched.body.errors.map((e: { field: string }) => e.field)).toEqual(['idTokenSignedResponseAlg']);
    expect((await api.call('GET', `/admin/v1/clients/${fine.body.clientId}`, { token: admin })).body.idTokenSignedResponseAlg).toBe('ES256');
  });

  it('signs a resource server’s JWT access tokens with its algorithm, and refuses one without a key', async () => {
    const clients = api.running.app.get(ClientsService);
    await clients.registerResourceServer({ identifier: PACS, name: 'PACS API', scopes: ['studies.read'], accessTokenFormat: 'jwt', signingAlg: 'PS256' });
    const machine = await api.call('POST', '/admin/v1/clients', {
      token: admin,
      body: { name: 'Study router', type: 'confidential', grantTypes: ['client_credentials'], resourceScopes: ['studies.read'] },
    });
    expect(machine.status).toBe(201);
    const config = await discover(machine.body.clientId, machine.body.clientSecret);
    const { access_token } = await oidc.clientCredentialsGrant(config, { resource: PACS, scope: 'studies.read' });
    expect(decodeProtectedHeader(access_token)).toMatchObject({ typ: 'at+jwt', alg: 'PS256' });
    const jwks = createRemoteJWKSet(new URL(config.serverMetadata().jwks_uri!));
    const { payload } = await jwtVerify(access_token, jwks, { issuer: api.url, audience: PACS, typ: 'at+jwt', algorithms: ['PS256'] });
    expect(payload.scope).toBe('studies.read');

    const refused = await clients
      .registerResourceServer({ identifier: 'https://legacy.hospital.test/api', name: 'Legacy API', signingAlg: 'RS256' })
      .catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(ClientsError);
    expect((refused as ClientsError).fields).toEqual([
      { field: 'signingAlg', message: 'RS256 is not one of the signing algorithms this server keeps keys for (SIGNING_ALGS: ES256, PS256, EdDSA)' },
    ]);
    expect(await clients.findResourceServer('https://legacy.hospital.test/api')).toBeNull();
  });
});
