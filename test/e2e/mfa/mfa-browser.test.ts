import * as oidc from 'openid-client';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { IdentityService } from '../../../src/identity/index.js';
import { continuePastRecoveryCodes, reachApp, useBrowser } from '../../support/browser.js';
import { useApp } from '../../support/fixture.js';
import { buildAuthorizationUrl, useCallbackServer } from '../../support/relying-party.js';
import { totpCode } from '../../support/totp.js';

const PASSWORD = 'a long and unusual passphrase 7';

/**
 * Second factors in a real browser: TOTP enrolment on first sign-in (policy requires MFA),
 * a TOTP challenge on the next, and a passkey with Chromium's virtual authenticator.
 */
describe('MFA in a real browser', () => {
  const running = useApp();
  const rp = useCallbackServer();
  const browser = useBrowser();
  let config: oidc.Configuration;

  beforeAll(async () => {
    ({ config } = await running.registerClient({
      name: 'Medication chart',
      redirectUris: [rp.redirectUri],
      grantTypes: ['authorization_code'],
    }));
  });

  async function passwordStep(page: Page, email: string) {
    const request = await buildAuthorizationUrl(config, rp.redirectUri);
    await page.goto(request.url.href);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    return request;
  }

  async function exchange(request: Awaited<ReturnType<typeof buildAuthorizationUrl>>) {
    const tokens = await oidc.authorizationCodeGrant(config, rp.callbacks.at(-1)!, {
      pkceCodeVerifier: request.verifier,
      expectedState: request.state,
      expectedNonce: request.nonce,
    });
    const jwks = createRemoteJWKSet(new URL(config.serverMetadata().jwks_uri!));
    return (await jwtVerify(tokens.id_token!, jwks, { issuer: running.url, audience: config.clientMetadata().client_id })).payload;
  }

  it('enrols TOTP on the first sign-in, then challenges for it; the ID token says otp and mfa', async () => {
    await running.app.get(IdentityService).createUser({ email: 'pharmacist@hospital.test', password: PASSWORD });

    const page = await (await browser.newContext()).newPage();
    const first = await passwordStep(page, 'pharmacist@hospital.test');
    await page.getByRole('heading', { name: 'Set up two-step verification' }).waitFor();
    expect(await page.getByAltText('QR code for your authenticator app').getAttribute('src')).toMatch(/^data:image\/svg\+xml;base64,/);
    const secret = (await page.textContent('#totp-secret'))!;
    await page.getByLabel('Authentication code').fill(await totpCode(secret, -1));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('heading', { name: 'Recovery codes' }).waitFor();
    expect(await page.locator('#recovery-codes li').count()).toBe(10);
    await continuePastRecoveryCodes(page);
    await reachApp(page, rp.redirectUri);
    await page.context().close();
    const enrolled = await exchange(first);
    expect(enrolled.amr).toEqual(expect.arrayContaining(['pwd', 'otp', 'mfa']));
    expect(enrolled.acr).toBe('urn:caduceus:acr:mfa');

    const again = await (await browser.newContext()).newPage();
    const second = await passwordStep(again, 'pharmacist@hospital.test');
    await again.getByRole('heading', { name: 'Verify it is you' }).waitFor();
    await again.getByLabel('Authentication code').fill(await totpCode(secret, 0));
    await again.getByRole('button', { name: 'Verify', exact: true }).first().click();
    await reachApp(again, rp.redirectUri);
    await again.context().close();
    const challenged = await exchange(second);
    expect(challenged.amr).toEqual(expect.arrayContaining(['pwd', 'otp', 'mfa']));
  });

  it('registers a passkey and signs in with it (Chromium virtual authenticator)', async () => {
    await running.app.get(IdentityService).createUser({ email: 'anaesthetist@hospital.test', password: PASSWORD });
    const context = await browser.newContext();
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });

    const first = await passwordStep(page, 'anaesthetist@hospital.test');
    const logs: string[] = [];
    page.on('console', (m) => logs.push(m.text()));
    page.on('pageerror', (e) => logs.push(String(e)));
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.getByRole('heading', { name: 'Recovery codes' }).waitFor({ timeout: 8000 }).catch(async (e) => {
      throw new Error(`${e.message}\n${page.url()}\n${logs.join('\n')}\n${await page.textContent('body')}`);
    });
    await continuePastRecoveryCodes(page);
    await reachApp(page, rp.redirectUri);
    const registered = await exchange(first);
    expect(registered.amr).toEqual(expect.arrayContaining(['pwd', 'mfa']));
    expect((registered.amr as string[]).some((m) => m === 'hwk' || m === 'swk')).toBe(true);

    // Same browser profile, same authenticator: the session is dropped to force a full sign-in.
    await context.clearCookies();
    const second = await passwordStep(page, 'anaesthetist@hospital.test');
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    await reachApp(page, rp.redirectUri);
    const asserted = await exchange(second);
    expect(asserted.amr).toEqual(expect.arrayContaining(['pwd', 'mfa']));
    expect(asserted.acr).toBe('urn:caduceus:acr:mfa');

    const factors = await running.db.query<{ sign_count: string; type: string; confirmed: boolean }>(
      `SELECT f.sign_count, f.type, f.confirmed FROM mfa_factors f JOIN users u ON u.id = f.user_id WHERE u.email = $1`,
      ['anaesthetist@hospital.test'],
    );
    // The passkey replaced the TOTP enrolment that was offered first; its counter moved on use.
    expect(factors).toEqual([expect.objectContaining({ type: 'webauthn', confirmed: true })]);
    await context.close();
  });
});
