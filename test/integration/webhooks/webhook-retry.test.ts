import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdentityService } from '../../../src/identity/index.js';
import { verifySignature } from '../../../src/webhooks/index.js';
import { startApp, testKek, type RunningApp } from '../../support/in-process-app.js';
import { startAdminApi, type AdminApi } from '../admin/admin-api.js';
import { eventually, startWebhookReceiver } from '../../e2e/breakglass/webhook-receiver.js';

const PASSWORD = 'a long and unusual passphrase 7';

/**
 * At-least-once delivery: an endpoint that answers 503 three times and then recovers still
 * gets the event, with a valid signature; the retries live in the database, so they go on
 * after Caduceus is stopped and started again on the same database.
 */
describe('security event webhooks: retries with backoff, across a restart', () => {
  let api: AdminApi;
  let restarted: RunningApp | undefined;

  beforeAll(async () => {
    api = await startAdminApi({ OUTBOUND_ALLOW_LOOPBACK: 'true' });
  });

  afterAll(async () => {
    if (restarted) {
      // The first instance was closed by the restart test.
      await restarted.close();
      await api.db.drop();
    } else {
      await api?.close();
    }
  });

  async function subscribe(url: string, eventTypes: string[]) {
    const res = await api.call('POST', '/admin/v1/webhooks', { token: await api.token(['super-admin']), body: { url, eventTypes } });
    expect(res.status).toBe(201);
    return { id: res.body.id as string, secret: Buffer.from(res.body.secret as string) };
  }

  async function lockAccount(app: RunningApp, email: string) {
    const identity = app.app.get(IdentityService);
    const user = await identity.createUser({ email, password: PASSWORD });
    await identity.lockUntil(user.id, new Date(Date.now() + 900_000), 5);
    return user.id;
  }

  it('validates subscriptions: https only (loopback only when allowed), known event types, super-admin only', async () => {
    const token = await api.token(['super-admin']);
    const bad = await api.call('POST', '/admin/v1/webhooks', { token, body: { url: 'http://hooks.example.org/x', eventTypes: ['user.locked'] } });
    expect(bad.status).toBe(400);
    const privateAddress = await api.call('POST', '/admin/v1/webhooks', { token, body: { url: 'https://10.0.0.8/x', eventTypes: ['user.locked'] } });
    expect(privateAddress.status).toBe(400);
    const unknownType = await api.call('POST', '/admin/v1/webhooks', { token, body: { url: 'https://hooks.example.org/x', eventTypes: ['user.created'] } });
    expect(unknownType.status).toBe(400);
    expect(unknownType.body.errors[0].field).toMatch(/eventTypes/);
    const auditor = await api.call('GET', '/admin/v1/webhooks', { token: await api.token(['auditor']) });
    expect(auditor.status).toBe(403);
  });

  it('delivers a lockout to an endpoint that fails three times, then recovers; failures are logged and audited', async () => {
    const hook = await startWebhookReceiver({ failFirst: 3 });
    try {
      const { id, secret } = await subscribe(hook.url, ['user.locked']);
      const userId = await lockAccount(api.running, 'ward.clerk@hospital.test');

      const delivered = await eventually(() => hook.received[0], 'the delivery after three failures');
      expect(hook.requests()).toBe(4);
      expect(verifySignature(secret, delivered.body, String(delivered.headers['caduceus-signature']), Math.floor(Date.now() / 1000))).toBe(true);
      expect(JSON.parse(delivered.body)).toMatchObject({ type: 'user.locked', data: { userId, failures: 5 } });

      const token = await api.token(['super-admin']);
      const log = await eventually(async () => {
        const res = await api.call('GET', `/admin/v1/webhooks/${id}/deliveries`, { token });
        return res.body.items?.[0]?.status === 'pending' ? undefined : res;
      }, 'the delivery recorded');
      expect(log.body.items).toEqual([expect.objectContaining({ eventName: 'user.locked', status: 'delivered', attempts: 4, lastStatus: 204 })]);
      const failures = await api.db.query<{ details: { attempt: number; status: number } }>(
        `SELECT details FROM audit_events WHERE event_type = 'webhook.delivery.failed' AND subject_id = $1 ORDER BY seq`,
        [id],
      );
      expect(failures.map((f) => [f.details.attempt, f.details.status])).toEqual([[1, 503], [2, 503], [3, 503]]);
      await api.call('DELETE', `/admin/v1/webhooks/${id}`, { token: await api.token(['super-admin']) });
    } finally {
      await hook.close();
    }
  });

  it('keeps retrying after Caduceus is stopped and started again on the same database', async () => {
    const hook = await startWebhookReceiver({ failFirst: 3 });
    try {
      const { secret } = await subscribe(hook.url, ['user.locked']);
      const userId = await lockAccount(api.running, 'porter@hospital.test');
      await eventually(() => (hook.requests() >= 2 ? true : undefined), 'two failed attempts');
      await api.running.close();
      expect(hook.received).toHaveLength(0);

      restarted = await startApp({ DATABASE_URL: api.db.url, KEY_ENCRYPTION_KEY: testKek(), OUTBOUND_ALLOW_LOOPBACK: 'true' });
      const delivered = await eventually(() => hook.received[0], 'the delivery by the restarted service');
      expect(JSON.parse(delivered.body)).toMatchObject({ type: 'user.locked', data: { userId } });
      expect(verifySignature(secret, delivered.body, String(delivered.headers['caduceus-signature']), Math.floor(Date.now() / 1000))).toBe(true);
      // The receiver has the request before the service has its answer and records it: wait for the record.
      const row = await eventually(async () => {
        const [r] = await api.db.query<{ status: string; attempts: number }>(`SELECT status, attempts FROM webhook_deliveries WHERE event_name = 'user.locked' AND body LIKE $1`, [`%${userId}%`]);
        return r?.status === 'pending' ? undefined : r;
      }, 'the delivery recorded');
      expect(row).toEqual({ status: 'delivered', attempts: 4 });
    } finally {
      await hook.close();
    }
  });
});
