import { decodeJwt, exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AppConfig } from '../config/index.js';
import { ADMIN_RESOURCE } from './admin-roles.js';
import { AdminTokenVerifier } from './admin-token.verifier.js';
import { AdminErrorCode } from './admin.errors.js';
import type { AdminCertificateSource, AdminPresentation } from './admin-ports.js';

const ISSUER = 'https://id.hospital.test';
const USER = '0b8f3f55-7c1e-4d4e-9d37-0f3f3b0a1c2d';

/** A person's admin token: the roles it grants are those the person holds now. */
describe('AdminTokenVerifier for tokens issued to a person', () => {
  let mint: (claims: Record<string, unknown>) => Promise<string>;
  let jwk: JWK;
  const held = new Map<string, string[] | null>();
  /** What the service recorded when it issued a token: jti → the claims it signed. */
  const issued = new Map<string, Record<string, unknown>>();
  let registered: string[] | null = ['admin:key-admin'];
  /** A token this service issued: signed and recorded. */
  const sign = async (claims: Record<string, unknown>) => {
    const token = await mint({ jti: crypto.randomUUID(), ...claims });
    const payload = decodeJwt(token);
    issued.set(payload.jti!, { ...payload });
    return token;
  };

  beforeAll(async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    mint = (claims) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'at+jwt' })
        .setIssuer(ISSUER)
        .setAudience(ADMIN_RESOURCE)
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(privateKey);
  });

  let certificates: AdminCertificateSource | undefined;
  const verifier = () =>
    new AdminTokenVerifier(
      { issuer: ISSUER } as AppConfig,
      { publicJwks: async () => ({ keys: [jwk] }), getSecret: async () => Buffer.alloc(32) },
      { liveResourceScopesOf: async () => registered },
      { activeRolesOf: async (id) => (held.has(id) ? held.get(id)! : null) },
      { heldClaims: async (jti) => issued.get(jti), firstUseOfProof: async () => true },
      certificates,
    );
  const personToken = (scope: string, amr = ['pwd', 'mfa']) => sign({ sub: USER, client_id: 'admin-console', scope, amr });

  it.each([
    { holds: ['user-admin'], scope: 'admin:super-admin admin:user-admin', roles: ['user-admin'] },
    { holds: ['super-admin', 'auditor'], scope: 'admin:super-admin', roles: ['super-admin'] },
    { holds: ['clinician'], scope: 'admin:super-admin admin:auditor', roles: [] },
  ])('a token asking $scope for a user holding $holds grants $roles', async ({ holds, scope, roles }) => {
    held.set(USER, holds);
    expect((await verifier().verify(`Bearer ${await personToken(scope)}`)).roles).toEqual(roles);
  });

  it('refuses the token of a disabled or deleted user at once', async () => {
    held.set(USER, null);
    await expect(verifier().verify(`Bearer ${await personToken('admin:super-admin')}`)).rejects.toMatchObject({ code: AdminErrorCode.UNAUTHENTICATED });
  });

  it('still refuses a person without MFA', async () => {
    held.set(USER, ['super-admin']);
    await expect(verifier().verify(`Bearer ${await personToken('admin:super-admin', ['pwd'])}`)).rejects.toMatchObject({ code: AdminErrorCode.MFA_REQUIRED });
  });

  it.each([
    { registered: ['admin:key-admin'], scope: 'admin:key-admin', roles: ['key-admin'] },
    { registered: ['admin:key-admin'], scope: 'admin:super-admin admin:key-admin', roles: ['key-admin'] },
    { registered: [], scope: 'admin:key-admin', roles: [] },
    // One exact spelling: a lookalike in another case counts for nothing, in the token or the registration.
    { registered: ['ADMIN:super-admin', 'admin:auditor'], scope: 'ADMIN:super-admin Admin:auditor admin:auditor', roles: ['auditor'] },
  ])('gives a machine admin asking $scope and registered for $registered the roles $roles', async (row) => {
    registered = row.registered;
    const token = await sign({ sub: 'ops-bot', client_id: 'ops-bot', scope: row.scope });
    expect(await verifier().verify(`Bearer ${token}`)).toMatchObject({ kind: 'client', roles: row.roles });
  });

  it('refuses the token of a client disabled or deleted since', async () => {
    registered = null;
    const token = await sign({ sub: 'ops-bot', client_id: 'ops-bot', scope: 'admin:key-admin' });
    await expect(verifier().verify(`Bearer ${token}`)).rejects.toMatchObject({ code: AdminErrorCode.UNAUTHENTICATED });
  });

  it('refuses a validly signed token the service never issued, or issued with other claims', async () => {
    registered = ['admin:super-admin'];
    const never = await mint({ sub: 'ops-bot', client_id: 'ops-bot', scope: 'admin:super-admin', jti: 'never-issued' });
    await expect(verifier().verify(`Bearer ${never}`)).rejects.toMatchObject({ code: AdminErrorCode.UNAUTHENTICATED });
    const real = decodeJwt(await sign({ sub: 'ops-bot', client_id: 'ops-bot', scope: 'admin:auditor' }));
    const reused = await mint({ sub: 'ops-bot', client_id: 'ops-bot', scope: 'admin:super-admin', jti: real.jti });
    await expect(verifier().verify(`Bearer ${reused}`)).rejects.toMatchObject({ code: AdminErrorCode.UNAUTHENTICATED });
  });

  it('takes a certificate-bound token only over its certificate, and never where no certificate can be seen', async () => {
    registered = ['admin:auditor'];
    const token = `Bearer ${await sign({ sub: 'lab-bot', client_id: 'lab-bot', scope: 'admin:auditor', cnf: { 'x5t#S256': 'thumb-1' } })}`;
    const presentation: AdminPresentation = { method: 'GET', url: '/admin/v1/whoami', headers: {}, remoteAddress: '10.0.0.1' };
    certificates = undefined;
    await expect(verifier().verify(token, presentation)).rejects.toMatchObject({ code: AdminErrorCode.UNAUTHENTICATED, message: 'this access token is bound to a client certificate, which this service cannot see' });
    certificates = { enabled: true, thumbprintOf: () => 'thumb-2' };
    await expect(verifier().verify(token, presentation)).rejects.toMatchObject({ message: 'this access token is bound to another client certificate' });
    certificates = { enabled: true, thumbprintOf: () => undefined };
    await expect(verifier().verify(token, presentation)).rejects.toMatchObject({ code: AdminErrorCode.UNAUTHENTICATED });
    certificates = { enabled: true, thumbprintOf: () => 'thumb-1' };
    expect(await verifier().verify(token, presentation)).toMatchObject({ kind: 'client', roles: ['auditor'] });
    certificates = undefined;
  });

  it('refuses an unbound token under the DPoP scheme', async () => {
    registered = ['admin:auditor'];
    const token = await sign({ sub: 'ops-bot', client_id: 'ops-bot', scope: 'admin:auditor' });
    await expect(verifier().verify(`DPoP ${token}`)).rejects.toMatchObject({ message: 'the DPoP scheme is only for DPoP-bound access tokens' });
  });
});
