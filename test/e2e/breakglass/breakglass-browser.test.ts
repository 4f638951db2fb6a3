import * as oidc from 'openid-client';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientsService } from '../../../src/clients/index.js';
import { IdentityService } from '../../../src/identity/index.js';
import { MfaService } from '../../../src/mfa/index.js';
import { verifySignature } from '../../../src/webhooks/index.js';
import { launchBrowser } from '../../support/browser.js';
import { buildAuthorizationUrl, startCallbackServer, type RelyingParty } from '../../support/relying-party.js';
import { totpCode } from '../../support/totp.js';
import { startAdminApi, type AdminApi } from '../../integration/admin/admin-api.js';
import { eventually, startWebhookReceiver } from './webhook-receiver.js';

const PASSWORD = 'a long and unusual passphrase 7';
const JUSTIFICATION = 'Code blue in ICU bed 4; upstream IdP is down and the attending is locked out.';

/**
 * Break-glass end to end: an ED physician with the designated role starts an emergency session
 * from the sign-in page in Chromium (password, TOTP, typed reason); the app's ID token says
 * emergency access; the administrators' webhook receives a signed alert; the session waits in
 * the review queue until a super-admin reviews it.
 */
describe('break-glass emergency access in a real browser', () => {
  let api: AdminApi;
  let browser: Browser;
  let rp: RelyingParty;
  let config: oidc.Configuration;
  let hook: Awaited<ReturnType<typeof startWebhookReceiver>>;

  beforeAll(async () => {
    api = await startAdminApi({ OUTBOUND_ALLOW_LOOPBACK: 'true' });
    rp = await startCallbackServer();
    hook = await startWebhookReceiver();
    const { clientId, clientSecret } = await api.running.app.get(ClientsService).createClient({
      name: 'ED whiteboard',
      type: 'confidential',
      redirectUris: [rp.redirectUri],
      grantTypes: ['authorization_code', 'refresh_token'],
    });
    config = await oidc.discovery(new URL(api.url), clientId, undefined, oidc.ClientSecretBasic(clientSecret!), {
      execute: [oidc.allowInsecureRequests],
    });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await rp?.close();
    await hook?.close();
    await api?.close();
  });

  async function userWithTotp(email: string, roles: string[]): Promise<string> {
    const user = await api.running.app.get(IdentityService).createUser({ email, password: PASSWORD, roles });
    const mfa = api.running.app.get(MfaService);
    const enrolment = await mfa.startTotpEnrolment(user.id, email);
    expect((await mfa.confirmTotpEnrolment(user.id, enrolment.factorId, await totpCode(enrolment.secret, -1))).ok).toBe(true);
    return enrolment.secret;
  }

  async function emergencyForm(page: Page, email: string) {
    const request = await buildAuthorizationUrl(config, rp.redirectUri, { scope: 'openid email' });
    await page.goto(request.url.href);
    await page.getByRole('link', { name: 'Emergency access' }).click();
    await page.getByRole('heading', { name: 'Emergency access' }).waitFor();
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByLabel('Reason for emergency access').fill(JUSTIFICATION);
    await page.getByRole('button', { name: 'Continue' }).click();
    return request;
  }

  it('keeps what was typed when the reason is refused, promises no alert without an alert channel, and takes a recovery code', async () => {
    await userWithTotp('registrar@hospital.test', ['clinician', 'breakglass']);
    const [code] = await api.running.app.get(MfaService).regenerateRecoveryCodes((await api.running.app.get(IdentityService).findByEmail('registrar@hospital.test'))!.id);
    const page = await (await browser.newContext()).newPage();
    const request = await buildAuthorizationUrl(config, rp.redirectUri, { scope: 'openid email' });
    await page.goto(request.url.href);
    await page.getByRole('link', { name: 'Emergency access' }).click();
    // No webhook is subscribed to breakglass.started yet: the page does not promise an alert.
    const intro = await page.textContent('main');
    expect(intro).toContain('recorded in the audit trail and reviewed');
    expect(intro).not.toMatch(/alerted/i);
    await page.getByLabel('Email').fill('registrar@hospital.test');
    await page.getByLabel('Password').fill(PASSWORD);
    // Long enough for the browser's own check, too short once trimmed: the server refuses it.
    const padded = `ICU${' '.repeat(30)}`;
    await page.getByLabel('Reason for emergency access').fill(padded);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('alert').filter({ hasText: 'The reason must be at least' }).waitFor();
    expect(await page.getByLabel('Email').inputValue()).toBe('registrar@hospital.test');
    expect(await page.getByLabel('Password').inputValue()).toBe(PASSWORD);
    expect(await page.getByLabel('Reason for emergency access').inputValue()).toBe(padded);
    await page.getByLabel('Reason for emergency access').fill(JUSTIFICATION);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Emergency access: verify it is you' }).waitFor();
    await page.getByText('Use a recovery code').click();
    await page.getByLabel('Recovery code').fill(code!);
    await page.getByRole('button', { name: 'Verify' }).nth(1).click();
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL((url) => url.href.startsWith(rp.redirectUri), { timeout: 8000 });
    await page.context().close();
    const tokens = await oidc.authorizationCodeGrant(config, rp.callbacks.at(-1)!, { pkceCodeVerifier: request.verifier, expectedState: request.state, expectedNonce: request.nonce });
    expect(tokens.claims()!.emergency_access).toBe(true);
    // Close this session's review so the next test sees only its own.
    const superAdmin = await api.token(['super-admin']);
    const id = tokens.claims()!.breakglass_session as string;
    expect((await api.call('POST', `/admin/v1/break-glass/${id}/review`, { token: superAdmin, body: { note: 'test walk' } })).status).toBe(200);
  });

  it('signs in with emergency access; the ID token, the signed alert and the review queue all show it', async () => {
    const superAdmin = await api.token(['super-admin']);
    const subscribed = await api.call('POST', '/admin/v1/webhooks', {
      token: superAdmin,
      body: { url: hook.url, eventTypes: ['breakglass.started'], description: 'on-call security pager' },
    });
    expect(subscribed.status).toBe(201);
    const secret = Buffer.from(subscribed.body.secret as string);

    const totpSecret = await userWithTotp('ed.physician@hospital.test', ['clinician', 'breakglass']);
    const page = await (await browser.newContext()).newPage();
    const request = await emergencyForm(page, 'ed.physician@hospital.test');
    await page.getByRole('heading', { name: 'Emergency access: verify it is you' }).waitFor();
    await page.getByLabel('Authentication code').fill(await totpCode(totpSecret, 0));
    await page.getByRole('button', { name: 'Verify' }).click();
    // The dispatcher goes on as for any sign-in: the app asks for the email scope.
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL((url) => url.href.startsWith(rp.redirectUri), { timeout: 8000 }).catch(async (e) => {
      throw new Error(`${e.message}\n${page.url()}\n${await page.textContent('body')}`);
    });
    await page.context().close();

    const tokens = await oidc.authorizationCodeGrant(config, rp.callbacks.at(-1)!, {
      pkceCodeVerifier: request.verifier,
      expectedState: request.state,
      expectedNonce: request.nonce,
    });
    const jwks = createRemoteJWKSet(new URL(config.serverMetadata().jwks_uri!));
    const { payload } = await jwtVerify(tokens.id_token!, jwks, { issuer: api.url, audience: config.clientMetadata().client_id });
    expect(payload.emergency_access).toBe(true);
    expect(payload.breakglass_session).toEqual(expect.any(String));
    expect(payload.amr).toEqual(expect.arrayContaining(['pwd', 'otp', 'mfa', 'emergency']));
    // An emergency session cannot be extended: no refresh token even though the client may use them.
    expect(tokens.refresh_token).toBeUndefined();

    const alert = await eventually(() => hook.received[0], 'the break-glass webhook');
    const header = String(alert.headers['caduceus-signature']);
    expect(verifySignature(secret, alert.body, header, Math.floor(Date.now() / 1000))).toBe(true);
    expect(verifySignature(Buffer.from('not the secret'), alert.body, header, Math.floor(Date.now() / 1000))).toBe(false);
    const event = JSON.parse(alert.body);
    expect(event).toMatchObject({ type: 'breakglass.started', data: { sessionId: payload.breakglass_session, justification: JUSTIFICATION, factor: 'totp' } });

    const auditor = await api.token(['auditor']);
    const queue = await api.call('GET', '/admin/v1/break-glass', { token: auditor });
    expect(queue.status).toBe(200);
    expect(queue.body.items).toEqual([
      expect.objectContaining({ id: payload.breakglass_session, email: 'ed.physician@hospital.test', justification: JUSTIFICATION, active: true, review: null }),
    ]);
    expect(queue.body.items[0].tokensIssued).toBeGreaterThanOrEqual(1);

    // An auditor may read but not close a review.
    const notAllowed = await api.call('POST', `/admin/v1/break-glass/${payload.breakglass_session}/review`, { token: auditor, body: { note: 'seen' } });
    expect(notAllowed.status).toBe(403);
    const reviewed = await api.call('POST', `/admin/v1/break-glass/${payload.breakglass_session}/review`, {
      token: superAdmin,
      body: { note: 'Confirmed with the ICU charge nurse: genuine code blue.' },
    });
    expect(reviewed.status).toBe(200);
    expect(reviewed.body.review).toMatchObject({ note: 'Confirmed with the ICU charge nurse: genuine code blue.' });
    expect((await api.call('GET', '/admin/v1/break-glass', { token: auditor })).body.items).toEqual([]);
    const all = await api.call('GET', '/admin/v1/break-glass?status=all', { token: auditor });
    // This session and the one the first test reviewed.
    expect(all.body.items.map((i: { id: string }) => i.id)).toEqual(expect.arrayContaining([payload.breakglass_session]));
    expect(all.body.items).toHaveLength(2);
    const again = await api.call('POST', `/admin/v1/break-glass/${payload.breakglass_session}/review`, { token: superAdmin, body: { note: 'twice' } });
    expect(again.status).toBe(409);

    const trail = await api.db.query<{ event_type: string; details: Record<string, unknown> }>(
      `SELECT event_type, details FROM audit_events WHERE event_type LIKE 'breakglass.%' ORDER BY seq`,
    );
    const types = trail.map((r) => r.event_type);
    expect(types).toEqual(expect.arrayContaining(['breakglass.started', 'breakglass.token.issued', 'breakglass.reviewed']));
    for (const r of trail.filter((t) => t.event_type !== 'breakglass.reviewed')) expect(r.details.justification).toBe(JUSTIFICATION);
  });

  it('refuses a user without the designated role, and a designated user without a second factor', async () => {
    await userWithTotp('nurse@hospital.test', ['clinician']);
    await api.running.app.get(IdentityService).createUser({ email: 'locum@hospital.test', password: PASSWORD, roles: ['breakglass'] });

    const page = await (await browser.newContext()).newPage();
    await emergencyForm(page, 'nurse@hospital.test');
    expect(await page.getByRole('alert').textContent()).toMatch(/Emergency access is not possible/);
    // A webhook now receives breakglass.started: the page says administrators are alerted.
    expect(await page.textContent('main')).toContain('Administrators are alerted at once');
    const other = await (await browser.newContext()).newPage();
    await emergencyForm(other, 'locum@hospital.test');
    expect(await other.getByRole('alert').textContent()).toMatch(/needs a second factor/);
    expect(rp.callbacks).toHaveLength(2);
  });
});
