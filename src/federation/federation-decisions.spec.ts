import { describe, expect, it } from 'vitest';
import { decideAccount, domainAllowed, idpForEmail, mapProfile, mapRoles, upstreamAuthentication } from './federation-decisions.js';

describe('home-realm discovery and allowed domains', () => {
  const idps = [
    { id: 'off', enabled: false, allowedDomains: ['hospital.org'] },
    { id: 'main', enabled: true, allowedDomains: ['Hospital.org', 'clinic.hospital.org'] },
  ];
  it('finds the enabled IdP that lists the exact domain, case-insensitively', () => {
    expect(idpForEmail(idps, 'a.nurse@HOSPITAL.org')?.id).toBe('main');
    expect(idpForEmail(idps, 'a.nurse@clinic.hospital.org')?.id).toBe('main');
    expect(idpForEmail(idps, 'a.nurse@evilhospital.org')).toBeUndefined();
    expect(idpForEmail(idps, 'hospital.org')).toBeUndefined();
  });
  it('lets any domain through only when the IdP lists none', () => {
    expect(domainAllowed([], 'x@anywhere.test')).toBe(true);
    expect(domainAllowed(['hospital.org'], 'x@hospital.org.evil.test')).toBe(false);
    expect(domainAllowed(['hospital.org'], undefined)).toBe(false);
  });
});

describe('claims and roles', () => {
  it('maps standard and configured claims, and believes email_verified only when it is true', () => {
    expect(mapProfile({ email: 'a@b.test', email_verified: 'true', given_name: 'A', nick: 'Annie' }, { nick: 'givenName' })).toEqual({
      email: 'a@b.test',
      emailVerified: false,
      givenName: 'Annie',
    });
  });
  it('gives only the roles the mapping names for the upstream groups', () => {
    expect(mapRoles({ groups: ['ICU', 'Everyone'] }, 'groups', { ICU: ['nurse', 'icu'], Admins: ['super-admin'] })).toEqual(['icu', 'nurse']);
    expect(mapRoles({ groups: 'Admins' }, 'groups', {})).toEqual([]);
  });
});

describe('upstream authentication strength', () => {
  it('counts an upstream second factor only for a trusted IdP', () => {
    expect(upstreamAuthentication(false, ['pwd', 'mfa'], undefined)).toEqual({ amr: ['fed'], mfaSatisfied: false });
    expect(upstreamAuthentication(true, ['pwd'], undefined)).toEqual({ amr: ['fed'], mfaSatisfied: false });
    expect(upstreamAuthentication(true, ['pwd', 'otp'], undefined)).toEqual({ amr: ['fed', 'pwd', 'otp', 'mfa'], mfaSatisfied: true });
    expect(upstreamAuthentication(true, undefined, 'http://schemas.microsoft.com/claims/multipleauthn').mfaSatisfied).toBe(true);
  });
});

describe('which local account an upstream account is', () => {
  it('uses the (IdP, sub) link first, links by email only when verified and allowed, refuses otherwise', () => {
    expect(decideAccount({ linkedUserId: 'u1', userWithEmail: { id: 'u2' }, emailVerified: false, allowLinking: false })).toEqual({ kind: 'existing', userId: 'u1' });
    expect(decideAccount({ linkedUserId: null, userWithEmail: null, emailVerified: false, allowLinking: false })).toEqual({ kind: 'provision' });
    expect(decideAccount({ linkedUserId: null, userWithEmail: { id: 'u2' }, emailVerified: true, allowLinking: true })).toEqual({ kind: 'link', userId: 'u2' });
    expect(decideAccount({ linkedUserId: null, userWithEmail: { id: 'u2' }, emailVerified: false, allowLinking: true }).kind).toBe('refuse');
    expect(decideAccount({ linkedUserId: null, userWithEmail: { id: 'u2' }, emailVerified: true, allowLinking: false }).kind).toBe('refuse');
    // The account the directory provisioned (SCIM externalId = upstream id) wins over any email match, verified or not.
    expect(decideAccount({ linkedUserId: null, userWithExternalId: { id: 'u3' }, userWithEmail: { id: 'u2' }, emailVerified: false, allowLinking: false })).toEqual({ kind: 'link', userId: 'u3' });
    expect(decideAccount({ linkedUserId: 'u1', userWithExternalId: { id: 'u3' }, userWithEmail: null, emailVerified: false, allowLinking: false })).toEqual({ kind: 'existing', userId: 'u1' });
  });
});
