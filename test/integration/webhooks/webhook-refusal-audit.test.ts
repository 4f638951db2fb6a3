import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdentityService } from '../../../src/identity/index.js';
import { useAdminApi } from '../admin/admin-api.js';
import { eventually } from '../../e2e/breakglass/webhook-receiver.js';

/** The part of a chat-style incoming-webhook URL that is the credential. */
const PATH_SECRET = 'T024BE7LD/B0ZZ8ALB2/Xk3tR9pathSecretValue';

/**
 * A webhook delivery refused by the outbound policy (here: the receiver answers with a redirect,
 * which is never followed) is logged and audited with the receiver's origin only: the URL's path,
 * which for many receivers is the secret that lets anyone post to them, is not written to the
 * audit trail, to the failure record or to the delivery log.
 */
describe('a refused webhook delivery is audited without the URL path', () => {
  const api = useAdminApi({ OUTBOUND_ALLOW_LOOPBACK: 'true' });
  let receiver: Server;
  let origin: string;
  let requests = 0;

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      requests++;
      req.resume();
      res.writeHead(302, { location: 'https://elsewhere.example/' }).end();
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    receiver?.closeAllConnections();
    await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
  });

  it('records scheme, host and port, and never the path', async () => {
    const token = await api.token(['super-admin']);
    const created = await api.call('POST', '/admin/v1/webhooks', { token, body: { url: `${origin}/services/${PATH_SECRET}`, eventTypes: ['user.locked'] } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const subscriptionId = created.body.id as string;

    const identity = api.running.app.get(IdentityService);
    const user = await identity.createUser({ email: 'night.nurse@hospital.test', password: 'a long and unusual passphrase 9' });
    await identity.lockUntil(user.id, new Date(Date.now() + 900_000), 5);

    const refused = await eventually(async () => {
      const rows = await api.db.query<{ subject_id: string; outcome: string; details: Record<string, unknown> }>(
        `SELECT subject_id, outcome, details FROM audit_events WHERE event_type = 'hardening.outbound.refused' ORDER BY seq`,
      );
      return rows.length ? rows : undefined;
    }, 'the refused delivery in the audit trail');
    expect(requests).toBeGreaterThanOrEqual(1);
    expect(refused[0]).toEqual({
      subject_id: origin,
      outcome: 'failure',
      details: expect.objectContaining({ purpose: 'webhook', reason: 'redirect_refused', target: origin, detail: `${origin} answered 302: redirects are not followed` }),
    });

    const failed = await eventually(async () => {
      const rows = await api.db.query<{ details: Record<string, unknown> }>(
        `SELECT details FROM audit_events WHERE event_type = 'webhook.delivery.failed' AND subject_id = $1 ORDER BY seq`,
        [subscriptionId],
      );
      return rows.length ? rows : undefined;
    }, 'the failed attempt in the audit trail');
    expect(failed[0]!.details).toMatchObject({ attempt: 1, error: expect.stringContaining(origin) });

    const deliveries = await api.call('GET', `/admin/v1/webhooks/${subscriptionId}/deliveries`, { token });
    expect(deliveries.body.items[0].lastError).toContain(origin);

    // Nowhere the path: not in these records, not in the delivery log.
    const secretPart = PATH_SECRET.split('/').at(-1)!;
    for (const written of [refused, failed, deliveries.body]) expect(JSON.stringify(written)).not.toContain(secretPart);
    expect(JSON.stringify(refused)).not.toContain('/services/');
  });
});
