import { describe, expect, it } from 'vitest';
import { enrolmentCodePage, mfaChallengePage, mfaEnrolPage, recoveryCodesPage } from '../mfa/mfa-pages.js';
import { signInPage } from '../auth/flow/sign-in-page.js';
import { emergencyFactorPage, emergencyStartPage } from '../breakglass/emergency-pages.js';
import { htmlReply } from '../common/interaction.js';
import { postureReportPage } from '../compliance/report-page.js';
import { federationErrorPage } from '../federation/federation-pages.js';
import { connectedAppsPage, consentPage, patientPickerPage } from '../consent/consent-pages.js';
import { accountProfilePage, accountSecurityPage, accountSessionsPage, accountVerifyPage, landingPage, setupDonePage } from './console-pages.js';
import { logoutConfirmPage, messagePage } from './pages.js';
import { html, layout, SafeHtml, trusted } from './html.js';

const HOSTILE = `"><script>alert(1)</script><img src=x onerror='alert(2)'>`;
const brand = { name: 'General Hospital' };

describe('html tagged template', () => {
  it('escapes a hostile value in element content and in a quoted attribute', () => {
    const out = html`<p title="${HOSTILE}">${HOSTILE}</p>`.toString();
    expect(out).not.toContain('<script>');
    expect(out).not.toContain('<img');
    expect(out).not.toMatch(/title="[^"]*"[^>]*>[^<]*"/); // the attribute is not closed early
    expect(out).toBe(
      '<p title="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src&#61;x onerror&#61;&#39;alert(2)&#39;&gt;">&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src&#61;x onerror&#61;&#39;alert(2)&#39;&gt;</p>',
    );
  });

  it('keeps nested SafeHtml as markup, escaped once (not twice)', () => {
    const inner = html`<strong>${'A & B'}</strong>`;
    const outer = html`<p>${inner}</p>`;
    expect(outer.toString()).toBe('<p><strong>A &amp; B</strong></p>');
    expect(html`<div>${outer}</div>`.toString()).toBe('<div><p><strong>A &amp; B</strong></p></div>');
  });

  it('joins arrays, escaping their strings and keeping their SafeHtml', () => {
    const items = ['<b>', 'ok'].map((t) => html`<li>${t}</li>`);
    expect(html`<ul>${items}</ul>`.toString()).toBe('<ul><li>&lt;b&gt;</li><li>ok</li></ul>');
    expect(html`${['<i>', html`<br>`]}`.toString()).toBe('&lt;i&gt;<br>');
  });

  it('renders nothing for null, undefined and false, and numbers as text', () => {
    expect(html`[${null}${undefined}${false}${0}${12}]`.toString()).toBe('[012]');
  });

  it('a plain string is not SafeHtml: the type refuses it and a lookalike object is escaped', () => {
    // @ts-expect-error a string built by hand cannot be passed where a page (SafeHtml) is required
    const page = layout(brand, 'Title', '<p>hand-made</p>').toString();
    // And were the type check bypassed, the string is text, not markup.
    expect(page).toContain('&lt;p&gt;hand-made&lt;/p&gt;');
    const fake = { toString: () => '<script>x</script>' } as unknown as SafeHtml;
    expect(fake instanceof SafeHtml).toBe(false);
    // A lookalike is rendered as text, so escaped.
    expect(html`${fake as unknown as string}`.toString()).toBe('&lt;script&gt;x&lt;/script&gt;');
    const reply = { code: () => reply, header: () => reply, type: () => reply, send: () => reply };
    // @ts-expect-error the reply helper sends only SafeHtml
    htmlReply(reply as never, 200, '<p>hand-made</p>');
  });

  it('trusted() keeps a vetted fragment as markup', () => {
    expect(html`<div>${trusted('<form id="f"></form>')}</div>`.toString()).toBe('<div><form id="f"></form></div>');
  });
});

describe('pages escape what a person or an attacker typed', () => {
  it('the sign-in page: the typed email and error in attributes and content', () => {
    const out = signInPage(brand, { action: '/interaction/abc/login', csrf: 't"x', email: HOSTILE, error: HOSTILE }).toString();
    expect(out).not.toContain('<script>');
    expect(out).toContain('value="&quot;&gt;&lt;script&gt;');
    expect(out).toContain('name="csrf" value="t&quot;x"');
    expect(out).toContain('<form method="post" action="/interaction/abc/login"');
  });

  it('the consent page: a hostile app name and scope text', () => {
    const out = consentPage(brand, {
      action: '/interaction/abc/consent',
      csrf: 'c',
      clientName: HOSTILE,
      groups: [{ label: 'Identity', items: [{ scope: HOSTILE, text: HOSTILE }] }],
      lasts: '90 days',
      manageUrl: '/account/apps',
    }).toString();
    expect(out).not.toContain('<script>');
    expect(out).not.toContain('<img');
    expect(out).toContain('<h2>Identity</h2>');
  });

  it('the emergency page: the typed reason is kept, escaped, inside its textarea', () => {
    const out = emergencyStartPage(brand, { uid: 'abcdefghijk', csrf: 'c', email: 'a@b.c', justification: `</textarea>${HOSTILE}`, minJustification: 20, alerted: false }).toString();
    expect(out).not.toContain('</textarea><script>');
    expect(out).toContain('&lt;/textarea&gt;');
  });

  it('the account sessions page: app names from clients are text', () => {
    const out = accountSessionsPage(brand, { current: '/account/sessions', who: HOSTILE, csrf: 'c' }, {
      sessions: [{ uid: 'u', current: true, signedInAt: '3 Dec 2026', methods: 'password', apps: [HOSTILE] }],
    }).toString();
    expect(out).not.toContain('<script>');
    expect(out).toContain('<strong>This device</strong>');
  });
});

describe('no page shows its own markup as text (a string joined by hand would be escaped)', () => {
  const codes = ['aaaa-bbbb', 'cccc-dddd'];
  const shell = { current: '/account', who: 'ann@example.org', csrf: 'c' };
  const pages: Record<string, () => SafeHtml> = {
    signIn: () => signInPage(brand, { action: '/interaction/abc/login', csrf: 'c', error: 'Wrong', federation: { csrf: 'c', options: [{ name: 'Okta', action: '/f' }], discoveryAction: '/d' } }),
    consent: () =>
      consentPage(brand, { action: '/a', csrf: 'c', clientName: 'App', groups: [{ label: 'G', items: [{ scope: 'openid', text: 'Know who you are' }] }], lasts: '90 days', manageUrl: '/account/apps', patientName: 'P' }),
    patientPicker: () => patientPickerPage(brand, { action: '/a', csrf: 'c', clientName: 'App', patients: [{ id: '1', name: 'P' }] }),
    connectedApps: () => connectedAppsPage(brand, { csrf: 'c', apps: [{ name: 'App', grantedAt: new Date('2026-12-01'), expiresAt: new Date('2027-03-01'), groups: [{ label: 'G', items: [{ scope: 's', text: 't' }] }], revokeAction: '/r' }], notice: 'Done' }),
    message: () => messagePage(brand, 'This sign-in has expired', 'Start again.', 'invalid_request: x'),
    logout: () => logoutConfirmPage(brand, trusted('<form id="op.logoutForm"></form>'), 'App'),
    mfaChallenge: () => mfaChallengePage(brand, { uid: 'abcdefghijk', csrf: 'c', hasTotp: true, hasPasskey: true, error: 'Wrong' }),
    mfaEnrol: () => mfaEnrolPage(brand, { uid: 'abcdefghijk', csrf: 'c', secret: 'JBSWY3DPEHPK3PXP', qrSvg: '<svg></svg>', issuer: 'General Hospital', account: 'ann@example.org' }),
    recovery: () => recoveryCodesPage(brand, 'abcdefghijk', 'c', codes),
    enrolmentCode: () => enrolmentCodePage(brand, { uid: 'abcdefghijk', csrf: 'c', error: 'Wrong' }),
    emergency: () => emergencyStartPage(brand, { uid: 'abcdefghijk', csrf: 'c', minJustification: 20, alerted: true, error: 'Too short' }),
    emergencyFactor: () => emergencyFactorPage(brand, { uid: 'abcdefghijk', csrf: 'c', factor: 'webauthn' }),
    federationError: () => federationErrorPage(brand, 'upstream_denied'),
    landing: () => landingPage(brand, { issuer: 'https://id', accountUrl: '/account', consoleUrl: '/admin/console', discoveryUrl: '/.well-known/openid-configuration' }),
    setupDone: () => setupDonePage(brand, codes, '/admin/console'),
    security: () => accountSecurityPage(brand, shell, { factors: [{ id: 'f', type: 'totp', label: 'Phone', createdOn: '1 Dec 2026', lastUsedOn: '2 Dec 2026' }], recoveryCodesLeft: 3, steppedUp: false, error: 'x', notice: 'y' }),
    profile: () => accountProfilePage(brand, shell, { email: 'ann@example.org', roles: ['auditor'] }),
    sessions: () => accountSessionsPage(brand, shell, { sessions: [{ uid: 'u', current: false, signedInAt: '1 Dec 2026', methods: 'password', apps: ['App'] }] }),
    verify: () => accountVerifyPage(brand, shell, { next: '/account/security', hasTotp: true, hasPasskey: true }),
    report: () =>
      postureReportPage({ issuer: 'https://id', generatedAt: 'now', summary: { met: 1, attention: 0, notMet: 0 }, lines: [{ id: 'l', safeguard: 'S', citation: '164.312', status: 'met', reason: 'r', evidence: {} }] } as never),
  };
  for (const [name, render] of Object.entries(pages)) {
    it(name, () => {
      const out = render().toString();
      expect(out).not.toMatch(/&lt;\/?[a-z]/);
      expect(out).toMatch(/<\/(main|body|p|form|ul|section|div|button)>/);
    });
  }
});
