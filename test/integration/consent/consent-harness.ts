import * as oidc from 'openid-client';
import { expect } from 'vitest';
import { ClientsService, type NewClient } from '../../../src/clients/index.js';
import { SmartContextService } from '../../../src/consent/smart-context.service.js';
import { IdentityService } from '../../../src/identity/index.js';
import { discover } from '../../support/fixture.js';
import type { HttpBrowser } from '../../support/http-browser.js';
import type { RunningApp } from '../../support/in-process-app.js';
import { buildAuthorizationUrl } from '../../support/relying-party.js';

export const FHIR = 'https://fhir.hospital.test/r4';
export const PASSWORD = 'a long and unusual passphrase 7';

export { recordEvents } from '../../support/fixture.js';

export async function createUser(running: Pick<RunningApp, 'app'>, email: string, smart?: { fhirUser: string | null; patients: Array<{ patientId: string; displayName: string; encounterId?: string | null }> }) {
  const user = await running.app.get(IdentityService).createUser({ email, password: PASSWORD, givenName: 'Test', familyName: 'User' });
  if (smart) {
    await running.app.get(SmartContextService).replace(
      user.id,
      { fhirUser: smart.fhirUser, patients: smart.patients.map((p) => ({ ...p, encounterId: p.encounterId ?? null })) },
      undefined,
      { type: 'system', id: 'test' },
    );
  }
  return user;
}

/** A client registered as an administrator would, with MFA optional so tests sign in with a password. */
export async function createApp(running: Pick<RunningApp, 'app' | 'url'>, input: Partial<NewClient> & { name: string; redirectUris: string[] }) {
  const created = await running.app.get(ClientsService).createClient({
    type: 'confidential',
    grantTypes: ['authorization_code', 'refresh_token'],
    mfaPolicy: 'optional',
    ...input,
  } as NewClient);
  return { ...created, config: await discover(running.url, created.clientId, created.clientSecret!) };
}

/** The page's form (action, CSRF token) and the named submit value, posted as a browser would. */
export async function submitForm(browser: HttpBrowser, html: string, fields: Record<string, string>) {
  const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
  const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1];
  if (!action || !csrf) throw new Error(`no form in the page:\n${html.slice(0, 800)}`);
  return browser.request(action.replace(/&#61;/g, '='), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ csrf: csrf.replace(/&#61;/g, '='), ...fields }),
  });
}

export type Step = { kind: 'page'; html: string; status: number; url: URL } | { kind: 'callback'; url: URL };

/** Follows a redirect chain and says where it ended: a page of ours, or the app's callback. */
export async function followTo(browser: HttpBrowser, location: string | URL, redirectUri: string): Promise<Step> {
  const { res, url } = await browser.follow(location);
  if (url.href.startsWith(redirectUri)) return { kind: 'callback', url };
  return { kind: 'page', html: await res.text(), status: res.status, url };
}

/** Starts an authorization request and signs in with a password; returns the step after the password. */
export async function startAndSignIn(
  browser: HttpBrowser,
  app: { config: oidc.Configuration },
  redirectUri: string,
  email: string,
  params: Record<string, string>,
) {
  const request = await buildAuthorizationUrl(app.config, redirectUri, params);
  let step = await followTo(browser, request.url, redirectUri);
  if (step.kind === 'page' && step.html.includes('name="password"')) {
    const posted = await browser.submitSignIn(step.html, { email, password: PASSWORD });
    expect(posted.status, 'sign-in POST answers 303').toBe(303);
    step = await followTo(browser, posted.headers.get('location')!, redirectUri);
  }
  return { request, step };
}

/** Posts a page's form and follows where it leads. */
export async function choose(browser: HttpBrowser, step: Step, fields: Record<string, string>, redirectUri: string): Promise<Step> {
  if (step.kind !== 'page') throw new Error(`expected a page, got the callback ${step.url.href}`);
  const posted = await submitForm(browser, step.html, fields);
  expect(posted.status, `form POST answers 303: ${(await posted.clone().text()).slice(0, 300)}`).toBe(303);
  return followTo(browser, posted.headers.get('location')!, redirectUri);
}

export async function exchange(app: { config: oidc.Configuration }, callback: URL, request: { verifier: string; state: string; nonce: string }) {
  return oidc.authorizationCodeGrant(app.config, callback, {
    pkceCodeVerifier: request.verifier,
    expectedState: request.state,
    expectedNonce: request.nonce,
  });
}

export const scopeSet = (scope: string | undefined) => new Set((scope ?? '').split(' ').filter(Boolean));

export { startLogoutReceiver, type LogoutReceiver } from '../../support/relying-party.js';
