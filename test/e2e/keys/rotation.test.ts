import * as oidc from 'openid-client';
import { decodeJwt } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { adminCall, kidOf, registerMachineClient, useKeysInstance, verifiesAgainst, type MachineClient } from './keys-harness.js';

const kids = (jwks: { keys: Array<{ kid?: string }> }) => jwks.keys.map((k) => k.kid);

/**
 * Rotation as a relying party sees it: JWT access tokens issued by the service, verified
 * against /jwks as fetched at each step, while the keys' clock is moved through the schedule.
 */
describe('signing key rotation', () => {
  const a = useKeysInstance();
  let machine: MachineClient;

  beforeAll(async () => {
    machine = await registerMachineClient(a, ['key-admin']);
  });

  const token = () => machine.adminToken(a.url, ['key-admin']);

  it('publishes the new key before it signs, keeps the old one until its tokens expire, then signs with the new kid', async () => {
    const oldToken = await token();
    const oldKid = kidOf(oldToken);
    expect(kids((await a.jwks()).body)).toEqual([oldKid]);

    const rotated = await adminCall(a.url, 'POST', '/admin/v1/keys/rotate', { token: oldToken, body: {} });
    expect(rotated.status).toBe(200);
    const { nextKid, activatesAt } = rotated.body as { nextKid: string; activatesAt: string };
    expect(nextKid).not.toBe(oldKid);
    // Published now, signing only after the whole pre-publication window (24 h by default).
    expect(new Date(activatesAt).getTime() - a.now().getTime()).toBeGreaterThanOrEqual(24 * 3600_000 - 5_000);
    expect(kids((await a.jwks()).body)).toEqual(expect.arrayContaining([oldKid, nextKid]));
    const duringWindow = await token();
    expect(kidOf(duringWindow)).toBe(oldKid);

    // One second before the window ends the job leaves everything as it is.
    a.setNow(new Date(new Date(activatesAt).getTime() - 1000));
    expect(await a.runRotationJob()).toEqual([]);
    expect(kidOf(await token())).toBe(oldKid);

    a.setNow(new Date(activatesAt));
    expect((await a.runRotationJob()).map((x) => x.type)).toEqual(['activate-next']);
    const newToken = await token();
    expect(kidOf(newToken)).toBe(nextKid);

    // A relying party refetching /jwks still verifies the old tokens, and the new ones.
    const jwks = (await a.jwks()).body;
    expect(await verifiesAgainst(jwks, oldToken)).toBe(true);
    expect(await verifiesAgainst(jwks, duringWindow)).toBe(true);
    expect(await verifiesAgainst(jwks, newToken)).toBe(true);

    // The old key stays published until every token it signed has expired.
    const listed = await adminCall(a.url, 'GET', '/admin/v1/keys', { token: newToken });
    const old = listed.body.items.find((k: { kid: string }) => k.kid === oldKid);
    const current = listed.body.items.find((k: { kid: string }) => k.kid === nextKid);
    expect(old).toMatchObject({ state: 'retired', published: true });
    expect(current).toMatchObject({ state: 'active', activatedAt: activatesAt });
    expect(new Date(current.activatedAt).getTime() - new Date(current.createdAt).getTime()).toBeGreaterThanOrEqual(24 * 3600_000);
    const publishedUntil = new Date(old.publishedUntil);
    expect(publishedUntil.getTime()).toBeGreaterThanOrEqual(decodeJwt(duringWindow).exp! * 1000);
    expect(publishedUntil.getTime()).toBeGreaterThanOrEqual(new Date(old.retiredAt).getTime() + 600_000);

    a.setNow(new Date(publishedUntil.getTime() - 1000));
    expect(await a.runRotationJob()).toEqual([]);
    expect(kids((await a.jwks()).body)).toContain(oldKid);

    a.setNow(publishedUntil);
    expect((await a.runRotationJob()).map((x) => x.type)).toEqual(['remove']);
    expect(kids((await a.jwks()).body)).toEqual([nextKid]);
    const after = await adminCall(a.url, 'GET', `/admin/v1/keys/${encodeURIComponent(oldKid)}`, { token: newToken });
    expect(after.body).toMatchObject({ kid: oldKid, state: 'removed', published: false });
  });

  it('revokes the active key: out of /jwks at once, a new key signs, its tokens are inactive at introspection', async () => {
    const config = await machine.config(a.url);
    const victim = await token();
    const revokedKid = kidOf(victim);
    // Not a vacuous check: the very same token is active until the revocation.
    expect((await oidc.tokenIntrospection(config, victim)).active).toBe(true);

    const revoked = await adminCall(a.url, 'POST', `/admin/v1/keys/${encodeURIComponent(revokedKid)}/revoke`, {
      token: victim,
      body: { reason: 'private key copied to a laptop that was stolen' },
    });
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ kid: revokedKid, state: 'revoked', previousState: 'active' });
    const replacement = revoked.body.replacedBy as string;
    expect(replacement).toBeTruthy();

    expect(kids((await a.jwks()).body)).not.toContain(revokedKid);
    expect(kids((await a.jwks()).body)).toContain(replacement);
    const fresh = await token();
    expect(kidOf(fresh)).toBe(replacement);

    const introspected = await oidc.tokenIntrospection(config, victim);
    expect(introspected.active).toBe(false);
    expect((await oidc.tokenIntrospection(config, fresh)).active).toBe(true);
    expect(await verifiesAgainst((await a.jwks()).body, victim)).toBe(false);
    // userinfo takes only opaque access tokens (JWTs are for resource servers): refused there as well.
    const userinfo = await fetch(`${a.url}/userinfo`, { headers: { authorization: `Bearer ${victim}` } });
    expect(userinfo.status).toBe(401);
    // The admin API refuses it too.
    expect((await adminCall(a.url, 'GET', '/admin/v1/keys', { token: victim })).status).toBe(401);

    const listed = await adminCall(a.url, 'GET', `/admin/v1/keys/${encodeURIComponent(revokedKid)}`, { token: fresh });
    expect(listed.body).toMatchObject({ state: 'revoked', published: false, revocationReason: 'private key copied to a laptop that was stolen' });
  });

  it('answers introspection of its own JWT access tokens with their claims', async () => {
    const config = await machine.config(a.url);
    const jwt = await token();
    const answer = await oidc.tokenIntrospection(config, jwt);
    const claims = decodeJwt(jwt);
    expect(answer).toMatchObject({ active: true, client_id: machine.clientId, iss: a.url, exp: claims.exp, jti: claims.jti, scope: 'admin:key-admin' });
    // An altered token is not active (signature check), nor is garbage shaped like a JWT.
    const [h, , s] = jwt.split('.');
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...claims, scope: 'admin:super-admin' })).toString('base64url')}.${s}`;
    expect((await oidc.tokenIntrospection(config, tampered)).active).toBe(false);
  });

  it('serves /jwks with a short Cache-Control max-age and an ETag, 304 when unchanged, a new ETag after a change', async () => {
    const first = await a.jwks();
    expect(first.headers.get('cache-control')).toBe('public, max-age=300');
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    const again = await fetch(`${a.url}/jwks`, { headers: { 'if-none-match': etag! } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');

    const rotated = await adminCall(a.url, 'POST', '/admin/v1/keys/rotate', { token: await token(), body: { immediate: true } });
    expect(rotated.status).toBe(200);
    const changed = await fetch(`${a.url}/jwks`, { headers: { 'if-none-match': etag! } });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
    expect(kidOf(await token())).toBe(rotated.body.activeKid);
  });
});
