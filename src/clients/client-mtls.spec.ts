import { describe, expect, it } from 'vitest';
import { parseDistinguishedName } from './client-mtls.js';
import { registerClientSchema } from './clients.schemas.js';

const fieldsOf = (input: unknown) => {
  const result = registerClientSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((i) => i.path.join('.'));
};

const machine = { name: 'Lab gateway', type: 'confidential', grantTypes: ['client_credentials'] };
const ecKey = { kty: 'EC', crv: 'P-256', x: 'lJh8vyY6ZDC5Qt3JIAYKdQKi2qL7FDVwdNXG87A7IEI', y: 'oK-rVNo1U5PflCwBuOT2W--2tu21uqse_rNE76EU3_Y' };

describe('mTLS registration rules', () => {
  it.each([
    ['tls_client_auth with a subject DN', { ...machine, tokenEndpointAuthMethod: 'tls_client_auth', tlsClientAuthSubjectDn: 'CN=lab,O=Hospital,C=US' }, []],
    ['tls_client_auth with a SAN IP', { ...machine, tokenEndpointAuthMethod: 'tls_client_auth', tlsClientAuthSanIp: '10.1.2.3' }, []],
    ['tls_client_auth with nothing to match', { ...machine, tokenEndpointAuthMethod: 'tls_client_auth' }, ['tlsClientAuthSubjectDn']],
    [
      'tls_client_auth with two values',
      { ...machine, tokenEndpointAuthMethod: 'tls_client_auth', tlsClientAuthSanDns: 'lab.hospital.test', tlsClientAuthSanEmail: 'lab@hospital.test' },
      ['tlsClientAuthSanEmail'],
    ],
    ['a DN that does not parse', { ...machine, tokenEndpointAuthMethod: 'tls_client_auth', tlsClientAuthSubjectDn: 'lab' }, ['tlsClientAuthSubjectDn']],
    ['a SAN IP that is not an address', { ...machine, tokenEndpointAuthMethod: 'tls_client_auth', tlsClientAuthSanIp: 'lab' }, ['tlsClientAuthSanIp']],
    ['a certificate value on a secret client', { ...machine, tlsClientAuthSanDns: 'lab.hospital.test' }, ['tlsClientAuthSanDns']],
    ['self_signed_tls_client_auth without keys', { ...machine, tokenEndpointAuthMethod: 'self_signed_tls_client_auth' }, ['jwks']],
    ['self_signed_tls_client_auth with a key but no certificate', { ...machine, tokenEndpointAuthMethod: 'self_signed_tls_client_auth', jwks: { keys: [ecKey] } }, ['jwks']],
    ['self_signed_tls_client_auth with a jwks_uri', { ...machine, tokenEndpointAuthMethod: 'self_signed_tls_client_auth', jwksUri: 'https://lab.hospital.test/jwks' }, []],
    [
      'an x5c that is not a certificate',
      { ...machine, tokenEndpointAuthMethod: 'self_signed_tls_client_auth', jwks: { keys: [{ ...ecKey, x5c: ['bm90IGEgY2VydA=='] }] } },
      ['jwks.keys.0.x5c'],
    ],
    ['mTLS on a public client', { name: 'x', type: 'public', redirectUris: ['http://127.0.0.1/cb'], tokenEndpointAuthMethod: 'self_signed_tls_client_auth' }, ['tokenEndpointAuthMethod', 'jwks']],
    ['certificate-bound tokens on a secret client', { ...machine, tlsClientCertificateBoundAccessTokens: true }, []],
  ])('%s', (_label, input, fields) => {
    expect(fieldsOf(input)).toEqual(fields);
  });
});

describe('IP allow-list registration rules', () => {
  it.each([
    ['ranges on a confidential client', { ...machine, allowedIpRanges: ['10.1.0.0/16', '2001:db8::/32'] }, []],
    ['a host name', { ...machine, allowedIpRanges: ['10.1.0.0/16', 'ward.hospital.test'] }, ['allowedIpRanges.1']],
    ['every address', { ...machine, allowedIpRanges: ['::/0'] }, ['allowedIpRanges.0']],
    ['too many ranges', { ...machine, allowedIpRanges: Array.from({ length: 51 }, (_, i) => `10.${i}.0.0/16`) }, ['allowedIpRanges']],
    ['ranges on a public client', { name: 'x', type: 'public', redirectUris: ['http://127.0.0.1/cb'], allowedIpRanges: ['10.0.0.0/8'] }, ['allowedIpRanges']],
  ])('%s', (_label, input, fields) => {
    expect(fieldsOf(input)).toEqual(fields);
  });

  it('stores ranges normalised, once each', () => {
    const parsed = registerClientSchema.parse({ ...machine, allowedIpRanges: ['10.1.2.3/16', '10.1.0.0/16', '2001:DB8:0::/32'] });
    expect(parsed.allowedIpRanges).toEqual(['10.1.0.0/16', '2001:db8::/32']);
  });
});

describe('parseDistinguishedName (RFC 4514)', () => {
  it.each([
    ['CN=lab,O=Hospital,C=US', [['CN=lab'], ['O=hospital'], ['C=us']]],
    ['cn = Lab ,  o=Hospital\\, Inc. , 2.5.4.6=US', [['CN=lab'], ['O=hospital, inc.'], ['C=us']]],
    ['UID=x1+OU=Lab,O=H', [['OU=lab', 'UID=x1'], ['O=h']]],
    ['CN=caf\\C3\\A9', [['CN=café']]],
    ['E=lab@hospital.test,CN=lab', [['EMAILADDRESS=lab@hospital.test'], ['CN=lab']]],
  ])('%s', (dn, rdns) => {
    expect(parseDistinguishedName(dn)).toEqual(rdns);
  });

  it.each(['', 'lab', 'CN=lab,', '=lab', 'CN=#04024869', 'CN=a\\q'])('refuses %j', (dn) => {
    expect(parseDistinguishedName(dn)).toBeNull();
  });
});
