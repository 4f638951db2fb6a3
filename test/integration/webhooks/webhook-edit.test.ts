import { describe, expect, it } from 'vitest';
import { IdentityService } from '../../../src/identity/index.js';
import { verifySignature } from '../../../src/webhooks/index.js';
import { useAdminApi } from '../admin/admin-api.js';
import { eventually, startWebhookReceiver } from '../../e2e/breakglass/webhook-receiver.js';

/**
 * Editing a subscription through PATCH /admin/v1/webhooks/{id} (If-Match, super-admin only):
 * deliveries follow the new URL and events at once, the signing secret is kept (and never
 * shown), rotating it is a separate call, and a refused edit changes nothing.
 */
describe('webhook subscriptions are edited through the admin API', () => {
  const api = useAdminApi({ OUTBOUND_ALLOW_LOOPBACK: 'true' });

  async function lockAccount(email: string) {
    const identity = api.running.app.get(IdentityService);
    const user = await identity.createUser({ email, password: 'a long and unusual passphrase 7' });
    await identity.lockUntil(user.id, new Date(Date.now() + 900_000), 5);
    return user.id;
  }

  async function subscribe(token: string, url: string, eventTypes: string[]) {
    const res = await api.call('POST', '/admin/v1/webhooks', { token, body: { url, eventTypes } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return { id: res.body.id as string, secret: res.body.secret as string, etag: res.headers.get('etag')! };
  }

  it('moves a subscription to a new URL and event set; deliveries follow it, signed with the same secret until it is rotated', async () => {
    const token = await api.token(['super-admin']);
    const before = await startWebhookReceiver();
    const after = await startWebhookReceiver();
    try {
      const { id, secret, etag } = await subscribe(token, before.url, ['mfa.reset']);
      expect(etag).toBe('"1"');

      const patched = await api.call('PATCH', `/admin/v1/webhooks/${id}`, {
        token,
        headers: { 'if-match': etag },
        body: { url: after.url, eventTypes: ['user.locked'], description: 'SIEM' },
      });
      expect(patched.status, JSON.stringify(patched.body)).toBe(200);
      expect(patched.headers.get('etag')).toBe('"2"');
      expect(patched.body).toMatchObject({ id, url: after.url, eventTypes: ['user.locked'], description: 'SIEM', enabled: true });
      expect(patched.body).not.toHaveProperty('secret');
      expect(patched.body).not.toHaveProperty('sealedSecret');

      const userId = await lockAccount('edited.hook@hospital.test');
      const delivered = await eventually(() => after.received[0], 'the lockout at the new URL');
      expect(JSON.parse(delivered.body)).toMatchObject({ type: 'user.locked', data: { userId } });
      expect(verifySignature(Buffer.from(secret), delivered.body, String(delivered.headers['caduceus-signature']), Math.floor(Date.now() / 1000))).toBe(true);
      expect(before.requests()).toBe(0);

      const rows = await api.db.query<{ details: Record<string, unknown> }>(`SELECT details FROM audit_events WHERE event_type = 'webhook.subscription.updated'`);
      expect(rows).toHaveLength(1);
      expect(rows[0]!.details).toMatchObject({ subscriptionId: id, fields: ['description', 'eventTypes', 'url'], eventTypes: ['user.locked'], enabled: true });
      expect(JSON.stringify(rows)).not.toContain(after.url);

      // Rotation: the new secret once, in this response; the old one no longer signs.
      const rotated = await api.call('POST', `/admin/v1/webhooks/${id}/secret`, { token });
      expect(rotated.status, JSON.stringify(rotated.body)).toBe(200);
      const newSecret = Buffer.from(rotated.body.secret as string);
      expect(rotated.body.secret).not.toBe(secret);
      expect((await api.call('GET', `/admin/v1/webhooks/${id}`, { token })).body).not.toHaveProperty('secret');
      await lockAccount('rotated.hook@hospital.test');
      const second = await eventually(() => after.received[1], 'the lockout signed with the new secret');
      const now = Math.floor(Date.now() / 1000);
      expect(verifySignature(newSecret, second.body, String(second.headers['caduceus-signature']), now)).toBe(true);
      expect(verifySignature(Buffer.from(secret), second.body, String(second.headers['caduceus-signature']), now)).toBe(false);
      const audited = await api.db.query(`SELECT 1 FROM audit_events WHERE event_type = 'webhook.subscription.secret_rotated' AND subject_id = $1`, [id]);
      expect(audited).toHaveLength(1);
    } finally {
      await before.close();
      await after.close();
    }
  });

  it('refuses a bad URL, a role without write, a stale or missing If-Match, and changes nothing', async () => {
    const token = await api.token(['super-admin']);
    const { id, etag } = await subscribe(token, 'https://hooks.example.org/alerts', ['user.locked']);
    const stored = async () => (await api.call('GET', `/admin/v1/webhooks/${id}`, { token })).body;
    const original = await stored();
    const patch = (headers: Record<string, string>, body: unknown, as = token) => api.call('PATCH', `/admin/v1/webhooks/${id}`, { token: as, headers, body });

    const privateUrl = await patch({ 'if-match': etag }, { url: 'https://10.0.0.8/x', eventTypes: ['mfa.reset'] });
    expect(privateUrl.status).toBe(400);
    expect(privateUrl.body.errors).toEqual([expect.objectContaining({ field: 'url' })]);
    const notHttps = await patch({ 'if-match': etag }, { url: 'http://hooks.example.org/x' });
    expect(notHttps.status).toBe(400);
    expect(notHttps.body.errors[0].field).toBe('url');
    const unknownType = await patch({ 'if-match': etag }, { eventTypes: ['user.created'], enabled: false });
    expect(unknownType.status).toBe(400);
    expect(unknownType.body.errors[0].field).toMatch(/^eventTypes/);
    const secretField = await patch({ 'if-match': etag }, { secret: 'chosen by me' });
    expect(secretField.status).toBe(400);

    for (const roles of [['auditor'], ['client-admin']] as const) {
      const forbidden = await patch({ 'if-match': etag }, { enabled: false }, await api.token([...roles]));
      expect(forbidden.status, roles[0]).toBe(403);
      expect((await api.call('POST', `/admin/v1/webhooks/${id}/secret`, { token: await api.token([...roles]) })).status).toBe(403);
    }
    expect((await patch({}, { enabled: false })).status).toBe(428);
    expect(await stored()).toEqual(original);

    // Someone else's change first: the edit that read version 1 is refused.
    expect((await patch({ 'if-match': etag }, { description: 'first' })).status).toBe(200);
    const stale = await patch({ 'if-match': etag }, { enabled: false });
    expect(stale.status).toBe(412);
    expect(stale.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await stored()).toEqual({ ...original, description: 'first', version: 2, updatedAt: expect.any(String) });
    const updates = await api.db.query(`SELECT 1 FROM audit_events WHERE event_type = 'webhook.subscription.updated' AND subject_id = $1`, [id]);
    expect(updates).toHaveLength(1);
  });
});
