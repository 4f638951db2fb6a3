import { describe, expect, it } from 'vitest';
import { AUDIT_CLOCK, AuditCheckpointService, type AuditClock } from '../../../src/audit/index.js';
import { useApp } from '../../support/fixture.js';
import { adminGet, adminToken, BOOTSTRAP_ID, BOOTSTRAP_SECRET, bootstrapEnv, refOfToken, tokenRequest } from './audit-test-kit.js';

/** What an investigator needs from one token request: who, what, when, from where, and no secret. */
describe('the audit trail of protocol events', () => {
  const bootstrap = { clientId: BOOTSTRAP_ID, clientSecret: BOOTSTRAP_SECRET };

  const running = useApp({ env: bootstrapEnv() });

  it('records start-up acts: the first signing key and the bootstrap client', async () => {
    const rows = await running.db.query<{ event_type: string; subject_id: string }>('SELECT event_type, subject_id FROM audit_events ORDER BY seq');
    const types = rows.map((r) => r.event_type);
    expect(types).toContain('keys.generated');
    expect(rows).toContainEqual({ event_type: 'client.created', subject_id: BOOTSTRAP_ID });
  });

  it('records an issued token with client, IP, user agent and request id, and never the token or the secret', async () => {
    const res = await fetch(`${running.url}/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${BOOTSTRAP_ID}:${encodeURIComponent(BOOTSTRAP_SECRET)}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
        'user-agent': 'ehr-viewer/2.1',
        'x-request-id': 'req-audit-0001',
      },
      body: new URLSearchParams({ grant_type: 'client_credentials' }),
    });
    expect(res.status).toBe(200);
    const { access_token } = (await res.json()) as { access_token: string };
    const [row] = await running.db.query<Record<string, any>>(
      `SELECT * FROM audit_events WHERE event_type = 'oidc.token.issued' AND details->>'tokenRef' = $1`,
      [refOfToken(access_token)],
    );
    expect(row).toMatchObject({
      outcome: 'success',
      actor_type: 'client',
      actor_id: BOOTSTRAP_ID,
      client_id: BOOTSTRAP_ID,
      user_agent: 'ehr-viewer/2.1',
      correlation_id: 'req-audit-0001',
    });
    expect(row!.ip).toMatch(/^(127\.0\.0\.1|::1|::ffff:127\.0\.0\.1)$/);
    const dump = JSON.stringify(await running.db.query('SELECT * FROM audit_events'));
    expect(dump).not.toContain(access_token);
    expect(dump).not.toContain(BOOTSTRAP_SECRET);
  });

  it('records a refused grant as a failure with the error code', async () => {
    const res = await tokenRequest(running.url, { clientId: BOOTSTRAP_ID, clientSecret: 'wrong-secret-wrong-secret-wrong-secret' });
    expect(res.status).toBe(401);
    const [row] = await running.db.query<Record<string, any>>(
      `SELECT * FROM audit_events WHERE event_type = 'oidc.grant.failed' ORDER BY seq DESC LIMIT 1`,
    );
    expect(row).toMatchObject({ outcome: 'failure' });
    expect(row!.details).toMatchObject({ endpoint: 'grant', error: 'invalid_client' });
    expect(JSON.stringify(row)).not.toContain('wrong-secret');
  });

  it('keeps one gap-free chain whose links all verify', async () => {
    const token = await adminToken(running.url, bootstrap, 'super-admin');
    const report = (await (await adminGet(running.url, token, '/admin/v1/audit/verify')).json()) as Record<string, any>;
    expect(report).toMatchObject({ ok: true, firstBroken: null, anchor: { source: 'genesis', seq: 0 } });
    const rows = await running.db.query<{ seq: string }>('SELECT seq FROM audit_events ORDER BY seq');
    expect(rows.map((r) => Number(r.seq))).toEqual(rows.map((_, i) => i + 1));
    expect(report.recordsChecked).toBeGreaterThanOrEqual(rows.length - 1);
  });

  it('signs the chain head periodically: once per interval, and not while the trail is idle', async () => {
    const checkpoints = running.app.get(AuditCheckpointService);
    const clock = running.app.get<AuditClock>(AUDIT_CLOCK);
    const real = clock.now;
    try {
      const first = await checkpoints.createPeriodicIfDue();
      expect(first).toMatchObject({ kind: 'periodic' });
      expect(await checkpoints.createPeriodicIfDue()).toBeNull();
      clock.now = () => new Date(Date.now() + 16 * 60_000);
      expect(await checkpoints.createPeriodicIfDue()).toBeNull();
      expect((await tokenRequest(running.url, bootstrap)).status).toBe(200);
      const second = await checkpoints.createPeriodicIfDue();
      expect(second!.seq).toBeGreaterThan(first!.seq);
    } finally {
      clock.now = real;
    }
    const [row] = await running.db.query<{ n: string }>(`SELECT count(*) AS n FROM audit_checkpoints WHERE kind = 'periodic'`);
    expect(Number(row!.n)).toBe(2);
  });
});
