import { EventEmitter2 } from '@nestjs/event-emitter';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config/index.js';
import type { DomainEvent } from '../../../src/events/index.js';
import { startAdminApi, type AdminApi } from './admin-api.js';

/** ADMIN_IP_ALLOWLIST: the admin surface answers only to the listed networks. */
describe('the admin IP allow-list', () => {
  const apis: AdminApi[] = [];

  afterAll(async () => {
    for (const api of apis) await api.close();
  });

  it('refuses /admin from an address outside the list with a 403 problem, records it, and leaves other surfaces alone', async () => {
    const api = await startAdminApi({ ADMIN_IP_ALLOWLIST: '10.0.0.0/8, 2001:db8::/32' });
    apis.push(api);
    const events: DomainEvent[] = [];
    api.running.app.get(EventEmitter2).onAny((_n: string | string[], e: DomainEvent) => {
      if (e?.name === 'admin.ip_refused') events.push(e);
    });
    for (const path of ['/admin/v1/users', '/admin/openapi.json']) {
      const res = await api.call('GET', path);
      expect(res.status, path).toBe(403);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ status: 403, title: 'Forbidden' });
    }
    expect(events.map((e) => (e.payload as { path: string }).path)).toEqual(['/admin/v1/users', '/admin/openapi.json']);
    expect((events[0]!.payload as { ip: string }).ip).toMatch(/127\.0\.0\.1/);
    expect((await api.call('GET', '/.well-known/openid-configuration')).status).toBe(200);
  });

  it('refuses to start with a malformed list, naming the variable', () => {
    for (const bad of ['10.0.0.0/33', 'example.org', '10.0.0.0/8,2001:db8::/129', '10.0.0/8']) {
      expect(() => loadConfig({ ADMIN_IP_ALLOWLIST: bad }), bad).toThrow(ConfigError);
      try {
        loadConfig({ ADMIN_IP_ALLOWLIST: bad });
      } catch (e) {
        expect((e as ConfigError).problems.join(' '), bad).toContain('ADMIN_IP_ALLOWLIST');
      }
    }
    expect(loadConfig({ ADMIN_IP_ALLOWLIST: ' 10.0.0.0/8 , 192.168.1.7, 2001:db8::/32 ' }).adminIpAllowlist).toEqual(['10.0.0.0/8', '192.168.1.7', '2001:db8::/32']);
  });

  it('lets a listed address through to the usual authentication', async () => {
    const api = await startAdminApi({ ADMIN_IP_ALLOWLIST: '127.0.0.0/8,::1' });
    apis.push(api);
    expect((await api.call('GET', '/admin/v1/users')).status).toBe(401);
    expect((await api.call('GET', '/admin/v1/users', { token: await api.token(['auditor']) })).status).toBe(200);
  });
});
