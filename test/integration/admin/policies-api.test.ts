import { EventEmitter2 } from '@nestjs/event-emitter';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_RESOURCE } from '../../../src/admin/index.js';
import type { DomainEvent } from '../../../src/events/index.js';
import { BOOTSTRAP_ID, startAdminApi, type AdminApi } from './admin-api.js';

/** Runtime policies through the admin API, against the real application and PostgreSQL. */
describe('/admin/v1/policies', () => {
  let api: AdminApi;
  let root: string;
  const events: DomainEvent[] = [];

  beforeAll(async () => {
    api = await startAdminApi({ ACCESS_TOKEN_TTL: '600', CLIENT_CREDENTIALS_TTL: '600', LOCKOUT_THRESHOLD: '5' });
    api.running.app.get(EventEmitter2).onAny((_name: string | string[], event: DomainEvent) => {
      if (event?.name === 'policy.updated') events.push(event);
    });
    root = await api.token(['super-admin']);
  });

  afterAll(async () => {
    await api?.close();
  });

  const read = (token = root) => api.call('GET', '/admin/v1/policies', { token });
  const change = (body: unknown, etag: string | undefined, token = root) =>
    api.call('PATCH', '/admin/v1/policies', { token, body, headers: etag ? { 'if-match': etag } : {} });

  it('reads the policies in force, starting from the environment, with an ETag (auditor may read)', async () => {
    const res = await read(await api.token(['auditor']));
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toBe('"1"');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body.policies).toMatchObject({
      password: { minLength: 12, maxLength: 128 },
      mfa: { policy: 'required', alwaysRoles: ['super-admin'] },
      lifetimes: { accessToken: 600, clientCredentials: 600, sessionIdle: 900, sessionAbsolute: 43200 },
      lockout: { threshold: 5, durationSeconds: 900 },
    });
    expect(res.body.defaults).toEqual(res.body.policies);
    expect(res.body.updatedAt).toBeNull();
  });

  it('changes policies with If-Match, audits before/after, and new tokens get the new lifetime at once', async () => {
    const res = await change({ lifetimes: { clientCredentials: 120 }, password: { minLength: 14 }, lockout: { threshold: 8 } }, '"1"');
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toBe('"2"');
    expect(res.body.policies.lifetimes.clientCredentials).toBe(120);
    expect(res.body.defaults.lifetimes.clientCredentials).toBe(600);

    const [event] = events;
    expect(event!.payload).toMatchObject({
      changed: ['password.minLength', 'lifetimes.clientCredentials', 'lockout.threshold'],
      weakened: ['lockout.threshold'],
      before: { lifetimes: { clientCredentials: 600 }, password: { minLength: 12 } },
      after: { lifetimes: { clientCredentials: 120 }, password: { minLength: 14 } },
    });
    expect(event!.actor).toEqual({ type: 'client', id: BOOTSTRAP_ID });
    expect((await read()).body.policies.password.minLength).toBe(14);

    // The running provider reads the policy per token (a role set not used before: a new token).
    const token = await api.token(['client-admin']);
    const claims = decodeJwt(token);
    expect(claims.aud).toBe(ADMIN_RESOURCE);
    expect(claims.exp! - claims.iat!).toBe(120);

    // And the password policy applies to passwords set through the users API.
    const weak = await api.call('POST', '/admin/v1/users', { token: root, body: { email: 'policy@hospital.test', password: 'thirteen char' } });
    expect(weak.status).toBe(400);
    expect(weak.body.errors).toEqual([{ field: 'password', message: 'must be at least 14 characters long' }]);
  });

  it('allows a lifetime longer than the default within its bound, and calls it out as weakened', async () => {
    const etag = (await read()).headers.get('etag')!;
    const res = await change({ lifetimes: { accessToken: 3600 } }, etag);
    expect(res.status).toBe(200);
    expect(events.at(-1)!.payload).toMatchObject({ changed: ['lifetimes.accessToken'], weakened: ['lifetimes.accessToken'] });
  });

  it('answers 400 naming every field out of bounds, and changes nothing', async () => {
    const before = await read();
    const res = await change(
      {
        password: { minLength: 8, maxLength: 256 },
        mfa: { policy: 'sometimes' },
        lifetimes: { accessToken: 86400, sessionIdle: 4 },
        lockout: { threshold: 100 },
        colour: 'blue',
      },
      before.headers.get('etag')!,
    );
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(['colour']);

    const bounds = await change(
      { password: { minLength: 8, maxLength: 256 }, mfa: { policy: 'sometimes' }, lifetimes: { accessToken: 86400, sessionIdle: 4 }, lockout: { threshold: 100 } },
      before.headers.get('etag')!,
    );
    expect(bounds.status).toBe(400);
    expect(bounds.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(
      ['lifetimes.accessToken', 'lifetimes.sessionIdle', 'lockout.threshold', 'mfa.policy', 'password.maxLength', 'password.minLength'].sort(),
    );
    const crossField = await change({ lifetimes: { sessionIdle: 3600, sessionAbsolute: 1800 } }, before.headers.get('etag')!);
    expect(crossField.body.errors).toEqual([{ field: 'lifetimes.sessionIdle', message: 'must not exceed lifetimes.sessionAbsolute' }]);
    expect((await read()).body).toEqual(before.body);
  });

  it('answers 412 to a stale If-Match and 428 without one', async () => {
    const current = await read();
    expect((await change({ lockout: { durationSeconds: 1200 } }, '"1"')).status).toBe(412);
    expect((await change({ lockout: { durationSeconds: 1200 } }, undefined)).status).toBe(428);
    expect((await read()).body).toEqual(current.body);
  });

  it('answers 401 without a token and 403 to every role but super-admin for a change', async () => {
    expect((await api.call('GET', '/admin/v1/policies')).status).toBe(401);
    expect((await api.call('PATCH', '/admin/v1/policies', { body: {} })).status).toBe(401);
    for (const role of ['user-admin', 'client-admin', 'key-admin', 'auditor'] as const) {
      const token = await api.token([role]);
      expect((await change({ lockout: { threshold: 3 } }, '"2"', token)).status, role).toBe(403);
    }
    expect((await read(await api.token(['key-admin']))).status).toBe(403);
  });
});
