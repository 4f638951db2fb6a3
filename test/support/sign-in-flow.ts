import * as oidc from 'openid-client';
import { expect } from 'vitest';
import { HttpBrowser } from './http-browser.js';
import { buildAuthorizationUrl } from './relying-party.js';

/**
 * Drives an authorization request to its end without a browser: returns the sign-in page when
 * one is shown, or the app's callback URL when the provider redirects straight back.
 */
export async function authorize(
  browser: HttpBrowser,
  config: oidc.Configuration,
  redirectUri: string,
  extra: Record<string, string> = {},
) {
  const request = await buildAuthorizationUrl(config, redirectUri, extra);
  const { res, url } = await browser.follow(request.url);
  if (url.href.startsWith(redirectUri)) return { request, callback: url, page: undefined };
  return { request, callback: undefined, page: await res.text(), status: res.status };
}

/** Signs in through the form and exchanges the code: the full flow an app sees. */
export async function signIn(
  browser: HttpBrowser,
  config: oidc.Configuration,
  redirectUri: string,
  credentials: { email: string; password: string },
  extra: Record<string, string> = {},
) {
  const started = await authorize(browser, config, redirectUri, extra);
  let callback = started.callback;
  if (!callback) {
    expect(started.page, 'a sign-in page').toContain('name="password"');
    const posted = await browser.submitSignIn(started.page!, credentials);
    expect(posted.status, 'sign-in POST answers 303').toBe(303);
    let { res, url } = await browser.follow(posted.headers.get('location')!);
    if (!url.href.startsWith(redirectUri)) ({ res, url } = await allowIfAsked(browser, res, url));
    expect(url.href.startsWith(redirectUri), `back at the app, not at ${url.href}: ${(await res.text()).replace(/<head>[\s\S]*<\/head>/, "").slice(0, 600)}`).toBe(true);
    callback = url;
  }
  const tokens = await oidc.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: started.request.verifier,
    expectedState: started.request.state,
    expectedNonce: started.request.nonce,
  });
  return { tokens, callback };
}

/** The consent page (consent/), when the app asks for something not allowed yet, answered with Allow. */
export async function allowIfAsked(browser: HttpBrowser, res: Response, url: URL): Promise<{ res: Response; url: URL }> {
  const html = await res.clone().text();
  const action = /<form method="post" action="([^"]+\/consent)"/.exec(html)?.[1];
  const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1];
  if (!action || !csrf) return { res, url };
  const posted = await browser.request(action, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ csrf: csrf.replace(/&#61;/g, '='), decision: 'allow' }),
  });
  return browser.follow(posted.headers.get('location')!);
}

export function alertText(html: string): string | undefined {
  return /<p class="error" role="alert">([^<]*)<\/p>/.exec(html)?.[1];
}
