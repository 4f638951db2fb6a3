import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useAdminApi } from '../admin/admin-api.js';

/** The parts of a chat-style incoming-webhook URL that are the credential: path and query. */
const PATH_SECRET = 'B0ZZ8ALB2/Xk3tR9subscriptionPathSecret';
const QUERY_SECRET = 'qS3cr3tQueryValue7';
const ORIGIN = 'https://hooks.example.org:8443';
const URL_WITH_SECRET = `${ORIGIN}/services/T024BE7LD/${PATH_SECRET}?token=${QUERY_SECRET}`;

/**
 * Creating and removing a webhook subscription is audited with the receiver's origin and a
 * SHA-256 fingerprint of the whole URL: an auditor can tell two subscriptions apart (and check a
 * URL they already know against the record) but cannot read the path or query, which for many
 * receivers is the secret that lets anyone post to them. The administrator who created the
 * subscription still sees the full URL in the admin API.
 */
describe('webhook subscriptions are audited by origin and fingerprint, not by their secret URL', () => {
  const api = useAdminApi();

  it('records neither path nor query on create and delete; the admin API still shows the URL', async () => {
    const token = await api.token(['super-admin']);
    const created = await api.call('POST', '/admin/v1/webhooks', { token, body: { url: URL_WITH_SECRET, eventTypes: ['user.locked'] } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.url).toBe(URL_WITH_SECRET);
    const id = created.body.id as string;
    expect((await api.call('GET', `/admin/v1/webhooks/${id}`, { token })).body.url).toBe(URL_WITH_SECRET);

    const removed = await api.call('DELETE', `/admin/v1/webhooks/${id}`, { token });
    expect(removed.status).toBe(204);

    const rows = await api.db.query<Record<string, unknown>>(
      `SELECT * FROM audit_events WHERE event_type IN ('webhook.subscription.created', 'webhook.subscription.deleted') ORDER BY seq`,
    );
    expect(rows.map((r) => r.event_type)).toEqual(['webhook.subscription.created', 'webhook.subscription.deleted']);
    const fingerprint = createHash('sha256').update(URL_WITH_SECRET).digest('hex');
    expect(rows[0]!.details).toEqual({ subscriptionId: id, origin: ORIGIN, urlSha256: fingerprint, eventTypes: ['user.locked'] });
    expect(rows[1]!.details).toEqual({ subscriptionId: id, origin: ORIGIN, urlSha256: fingerprint });

    // No part of the path or query in any column of either record, nor in the auditors' export.
    const exported = await api.call('GET', '/admin/v1/audit/export?format=ndjson&type=webhook.subscription.*', { token: await api.token(['auditor']) });
    expect(exported.status).toBe(200);
    const exportedText = typeof exported.body === 'string' ? exported.body : JSON.stringify(exported.body);
    expect(exportedText).toContain(fingerprint);
    for (const written of [JSON.stringify(rows), exportedText]) {
      for (const part of ['/services/', 'T024BE7LD', PATH_SECRET.split('/')[0]!, PATH_SECRET.split('/')[1]!, QUERY_SECRET, 'token=']) {
        expect(written).not.toContain(part);
      }
    }
  });
});
