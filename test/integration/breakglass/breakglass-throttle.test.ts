import { beforeAll, describe, expect, it } from 'vitest';
import { BreakGlassService } from '../../../src/breakglass/index.js';
import { IdentityService } from '../../../src/identity/index.js';
import { MfaService } from '../../../src/mfa/index.js';
import { HttpBrowser } from '../../support/http-browser.js';
import { useApp } from '../../support/fixture.js';
import { buildAuthorizationUrl } from '../../support/relying-party.js';
import { totpCode } from '../../support/totp.js';
import { submitForm } from '../consent/consent-harness.js';
import * as oidc from 'openid-client';

const PASSWORD = 'a long and unusual passphrase 7';
const REDIRECT = 'http://127.0.0.1:9/callback';
const REASON = 'Upstream IdP outage during a trauma call in resus.';

/**
 * The emergency path is not a way around brute-force protection: after LOCKOUT_THRESHOLD wrong
 * passwords the right one is refused too, with the same page; a justification that is too
 * short is refused before any password is checked.
 */
describe('break-glass brute-force limit and input checks', () => {
  let config: oidc.Configuration;

  const running = useApp({ env: { LOCKOUT_THRESHOLD: '3' } });

  beforeAll(async () => {
    ({ config: config } = await running.registerClient({
      name: 'Theatre list',
      redirectUris: [REDIRECT],
      grantTypes: ['authorization_code'],
    }));
    const user = await running.app.get(IdentityService).createUser({ email: 'surgeon@hospital.test', password: PASSWORD, roles: ['breakglass'] });
    const mfa = running.app.get(MfaService);
    const enrolment = await mfa.startTotpEnrolment(user.id, 'surgeon@hospital.test');
    await mfa.confirmTotpEnrolment(user.id, enrolment.factorId, await totpCode(enrolment.secret, -1));
  });

  async function emergencyPage(browser: HttpBrowser): Promise<string> {
    const request = await buildAuthorizationUrl(config, REDIRECT);
    const { url } = await browser.follow(request.url);
    const res = await browser.request(`${url.pathname}/emergency`);
    expect(res.status).toBe(200);
    return res.text();
  }

  it('refuses a justification that is too short', async () => {
    const browser = new HttpBrowser(running.url);
    const res = await submitForm(browser, await emergencyPage(browser), { email: 'surgeon@hospital.test', password: PASSWORD, justification: 'urgent' });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('at least 20 characters');
  });

  it('asks for the second factor after the right password, and refuses even the right password after too many wrong ones', async () => {
    const browser = new HttpBrowser(running.url);
    const ok = await submitForm(browser, await emergencyPage(browser), { email: 'surgeon@hospital.test', password: PASSWORD, justification: REASON });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('Authentication code');

    for (let i = 0; i < 3; i++) {
      const wrong = await submitForm(browser, await emergencyPage(browser), { email: 'surgeon@hospital.test', password: `wrong ${i} ${PASSWORD}`, justification: REASON });
      expect(wrong.status).toBe(401);
    }
    const refused = await submitForm(browser, await emergencyPage(browser), { email: 'Surgeon@Hospital.test', password: PASSWORD, justification: REASON });
    expect(refused.status).toBe(401);
    expect(await refused.text()).toContain('Emergency access is not possible');
    const reasons = await running.db.query<{ reason: string }>(`SELECT details->>'reason' AS reason FROM audit_events WHERE event_type = 'breakglass.refused' ORDER BY seq`);
    expect(reasons.map((r) => r.reason)).toEqual(['bad_password', 'bad_password', 'bad_password', 'throttled']);
  });

  it('records the end of an emergency session once, with its justification, when it runs out', async () => {
    const service = running.app.get(BreakGlassService);
    const user = await running.app.get(IdentityService).findByEmail('surgeon@hospital.test');
    const { sessionId } = await service.start(
      { userId: user!.id, justification: REASON, factor: 'totp' },
      'surgeon@hospital.test',
      null,
    );
    expect(await service.endExpired(new Date())).toBe(0);
    const later = new Date(Date.now() + 61 * 60_000);
    expect(await service.endExpired(later)).toBe(1);
    expect(await service.endExpired(later)).toBe(0);
    const ended = await running.db.query<{ details: Record<string, unknown> }>(`SELECT details FROM audit_events WHERE event_type = 'breakglass.ended'`);
    expect(ended).toEqual([{ details: expect.objectContaining({ sessionId, justification: REASON, reason: 'expired' }) }]);
  });
});
