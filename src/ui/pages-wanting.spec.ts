import { describe, expect, it } from 'vitest';
import { mfaEnrolPage, recoveryCodesPage } from '../mfa/mfa-pages.js';
import { emergencyFactorPage, emergencyStartPage } from '../breakglass/emergency-pages.js';
import { consentPage, connectedAppsPage } from '../consent/consent-pages.js';

/** The pages #20 found wanting, as a person sees them (the browser tests walk them for real). */
const brand = { name: 'General Hospital' };
const start = { uid: 'abcdefghijk', csrf: 'c', minJustification: 20, email: 'dr@example.org', justification: 'short' };

describe('emergency access', () => {
  it('promises an alert only when an alert channel is configured; otherwise says it is recorded for review', () => {
    expect(emergencyStartPage(brand, { ...start, alerted: true }).toString()).toContain('Administrators are alerted at once');
    const quiet = emergencyStartPage(brand, { ...start, alerted: false }).toString();
    expect(quiet).not.toMatch(/alerted/i);
    expect(quiet).toContain('recorded in the audit trail and reviewed');
  });

  it('keeps what was typed when the reason is refused, and ties the error and hint to the reason box', () => {
    const out = emergencyStartPage(brand, { ...start, alerted: false, password: 'pa"ss', error: 'The reason must be at least 20 characters.', errorField: 'justification' }).toString();
    expect(out).toContain('value="dr@example.org"');
    expect(out).toContain('value="pa&quot;ss"');
    expect(out).toMatch(/<textarea id="justification"[^>]*aria-invalid="true"[^>]*>short<\/textarea>/);
    expect(out).toMatch(/<textarea[^>]*aria-describedby="emergency-error justification-hint"/);
    expect(out).toMatch(/<label for="justification">Reason for emergency access<\/label>/);
  });

  it('offers a recovery code at the code step, never at the passkey step (no weaker way in)', () => {
    const totp = emergencyFactorPage(brand, { uid: 'abcdefghijk', csrf: 'c', factor: 'totp' }).toString();
    expect(totp).toContain('action="/interaction/abcdefghijk/emergency/recovery"');
    expect(totp).toContain('<label for="recovery">Recovery code</label>');
    expect(emergencyFactorPage(brand, { uid: 'abcdefghijk', csrf: 'c', factor: 'webauthn' }).toString()).not.toContain('/emergency/recovery');
  });
});

describe('recovery codes and TOTP enrolment', () => {
  it('the recovery-codes page has download, copy and print, and a required "I have saved them" before Continue', () => {
    const out = recoveryCodesPage(brand, 'abcdefghijk', 'c', ['aaaa-bbbb', 'cccc-dddd']).toString();
    expect(out).toContain('download="recovery-codes.txt"');
    expect(out).toContain(`href="data:text/plain;charset&#61;utf-8,aaaa-bbbb%0Acccc-dddd%0A"`);
    expect(out).toContain('id="codes-copy"');
    expect(out).toContain('id="codes-print"');
    expect(out).toContain('<script src="/assets/recovery-codes.js" defer></script>');
    expect(out).toMatch(/<input type="checkbox" id="codes-saved" name="saved" value="yes" required>\s*<label for="codes-saved">I have saved my recovery codes<\/label>[\s\S]*<button type="submit">Continue<\/button>/);
    expect(recoveryCodesPage(brand, 'abcdefghijk', 'c', null).toString()).not.toContain('codes-saved');
  });

  it('the TOTP page names the issuer and account label and groups the key in fours', () => {
    const out = mfaEnrolPage(brand, { uid: 'abcdefghijk', csrf: 'c', secret: 'JBSWY3DPEHPK3PXPJBSW', qrSvg: '<svg></svg>', issuer: 'General Hospital', account: 'ann@example.org' }).toString();
    expect(out).toContain('<strong>General Hospital</strong> (ann@example.org)');
    expect(out).toContain('>JBSW Y3DP EHPK 3PXP JBSW</code>');
  });
});

describe('consent and connected apps', () => {
  const consent = { action: '/a', csrf: 'c', clientName: 'Vitals', groups: [{ label: 'Who you are', items: [{ scope: 'email', text: 'Know your email address' }] }], lasts: '90 days', manageUrl: '/account/apps' };

  it('says who is signed in, plain words before the scope name, h1 before h2', () => {
    const out = consentPage(brand, { ...consent, signedInAs: { name: 'Ann Lee', email: 'ann@example.org' } }).toString();
    expect(out).toContain('Signed in as <strong>Ann Lee</strong> (ann@example.org)');
    expect(out).toMatch(/<li>Know your email address <small class="muted scope-name">\(<code>email<\/code>\)<\/small><\/li>/);
    const headings = [...out.matchAll(/<h([1-6])/g)].map((m) => Number(m[1]));
    expect(headings[0]).toBe(1);
    headings.slice(1).forEach((h, i) => expect(h - headings[i]!).toBeLessThanOrEqual(1));
  });

  it('connected apps: dates never break inside', () => {
    const out = connectedAppsPage(brand, { csrf: 'c', apps: [{ name: 'Vitals', grantedAt: new Date('2026-12-03'), expiresAt: new Date('2027-03-03'), groups: [], revokeAction: '/r' }] }).toString();
    expect(out).toContain('Allowed on <time class="nowrap" datetime="2026-12-03">3 Dec 2026</time>; lasts until <time class="nowrap" datetime="2027-03-03">3 Mar 2027</time>');
  });
});
