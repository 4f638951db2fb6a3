import { describe, expect, it } from 'vitest';
import { useApp, type AppFixture } from '../../support/fixture.js';
import { bootstrapEnv, BOOTSTRAP_ID, BOOTSTRAP_SECRET, tokenRequest } from '../../integration/audit/audit-test-kit.js';

/**
 * Behind a load balancer the audit trail must name the real client, not the balancer; without
 * TRUST_PROXY a forged X-Forwarded-For must not be believed. Token responses are never cached;
 * HSTS is sent when the issuer is https.
 */
describe('client IPs behind a proxy, and response headers', () => {
  // One proxy in front (the compose file's nginx): only the hop it appended is believed.
  const behindProxy = useApp({ env: { ...bootstrapEnv(), TRUST_PROXY: '1', ISSUER: 'https://id.hospital.example' } });
  const direct = useApp(() => ({ env: { ...bootstrapEnv(), TRUST_PROXY: 'false' }, database: behindProxy.db }));

  /** A token request with a wrong secret, as if from `forwardedFor`: refused and audited as oidc.grant.failed. */
  async function refusedFrom(app: AppFixture, forwardedFor: string, marker: string): Promise<string | null> {
    const basic = Buffer.from(`${encodeURIComponent(BOOTSTRAP_ID)}:wrong-${marker}`).toString('base64');
    const res = await fetch(`${app.url}/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${basic}`,
        'content-type': 'application/x-www-form-urlencoded',
        'x-forwarded-for': forwardedFor,
        'user-agent': `proxy-test ${marker}`,
      },
      body: 'grant_type=client_credentials',
    });
    expect(res.status).toBe(401);
    await res.arrayBuffer();
    const rows = await behindProxy.db.query<{ ip: string | null }>(
      `SELECT ip FROM audit_events WHERE event_type = 'oidc.grant.failed' AND user_agent = $1`,
      [`proxy-test ${marker}`],
    );
    expect(rows).toHaveLength(1);
    return rows[0]!.ip;
  }

  it('records the forwarded client IP when TRUST_PROXY names the proxy in front', async () => {
    expect(await refusedFrom(behindProxy, '10.20.30.40', 'trusted')).toBe('10.20.30.40');
  });

  it('believes only the hop the proxy appended, so a client cannot forge its address through the proxy', async () => {
    // The client sent "X-Forwarded-For: 6.6.6.6"; nginx appended the address it really saw.
    expect(await refusedFrom(behindProxy, '6.6.6.6, 10.20.30.42', 'forged')).toBe('10.20.30.42');
  });

  it('ignores X-Forwarded-For when TRUST_PROXY is off, so a caller cannot forge its address', async () => {
    const ip = await refusedFrom(direct, '10.20.30.41', 'untrusted');
    expect(ip).not.toBe('10.20.30.41');
    expect(ip).toMatch(/^(127\.0\.0\.1|::1|::ffff:127\.0\.0\.1)$/);
  });

  it('never lets a token response be cached', async () => {
    const res = await tokenRequest(direct.url, { clientId: BOOTSTRAP_ID, clientSecret: BOOTSTRAP_SECRET });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { access_token?: string }).access_token).toBeTruthy();
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('sends HSTS when the issuer is https, and not on a plain-http development issuer', async () => {
    const secure = await fetch(`${behindProxy.url}/health/live`);
    expect(secure.headers.get('strict-transport-security')).toMatch(/max-age=31536000/);
    const plain = await fetch(`${direct.url}/health/live`);
    expect(plain.headers.get('strict-transport-security')).toBeNull();
  });
});
