import { describe, expect, it } from 'vitest';
import { registerClientSchema, updateClientSchema } from './clients.schemas.js';

const fieldsOf = (input: unknown) => {
  const result = registerClientSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((i) => i.path.join('.'));
};

const web = { name: 'EHR viewer', type: 'confidential', redirectUris: ['https://ehr.hospital.test/cb'] };

describe('client registration rules', () => {
  it.each([
    ['a confidential web app', web, []],
    ['http redirect to a remote host', { ...web, redirectUris: ['http://ehr.hospital.test/cb'] }, ['redirectUris.0']],
    ['a fragment in a redirect URI', { ...web, redirectUris: ['https://ehr.hospital.test/cb#x'] }, ['redirectUris.0']],
    ['a relative redirect URI', { ...web, redirectUris: ['/cb'] }, ['redirectUris.0']],
    ['loopback for an explicit web app', { ...web, applicationType: 'web', redirectUris: ['http://127.0.0.1:8080/cb'] }, ['redirectUris.0']],
    ['loopback for a native app', { name: 'Desktop', type: 'public', applicationType: 'native', redirectUris: ['http://127.0.0.1/cb'] }, []],
    ['loopback only: inferred native', { name: 'Desktop', type: 'public', redirectUris: ['http://localhost:7000/cb'] }, []],
    ['a public client with a secret method', { ...web, type: 'public', tokenEndpointAuthMethod: 'client_secret_basic' }, ['tokenEndpointAuthMethod']],
    ['a confidential client with none', { ...web, tokenEndpointAuthMethod: 'none' }, ['tokenEndpointAuthMethod']],
    ['client_credentials on a public client', { name: 'x', type: 'public', grantTypes: ['client_credentials'] }, ['grantTypes']],
    ['authorization_code without redirect', { name: 'x', type: 'confidential' }, ['redirectUris']],
    ['private_key_jwt without keys', { ...web, tokenEndpointAuthMethod: 'private_key_jwt' }, ['jwks']],
    ['private_key_jwt with a jwks_uri', { ...web, tokenEndpointAuthMethod: 'private_key_jwt', jwksUri: 'https://ehr.hospital.test/jwks' }, []],
    [
      'a private key in jwks',
      { ...web, tokenEndpointAuthMethod: 'private_key_jwt', jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'a', y: 'b', d: 'secret' }] } },
      ['jwks.keys.0'],
    ],
    [
      'both jwks and jwks_uri',
      { ...web, tokenEndpointAuthMethod: 'private_key_jwt', jwksUri: 'https://h.test/jwks', jwks: { keys: [{ kty: 'EC' }] } },
      ['jwksUri'],
    ],
    ['an http back-channel logout URI', { ...web, backchannelLogoutUri: 'http://ehr.hospital.test/logout' }, ['backchannelLogoutUri']],
    ['an unknown MFA policy', { ...web, mfaPolicy: 'never' }, ['mfaPolicy']],
    ['a chosen secret (never through the API)', { ...web, clientSecret: 'x'.repeat(40) }, ['']],
    ['a repeated grant type', { ...web, grantTypes: ['authorization_code', 'authorization_code'] }, ['grantTypes']],
  ])('%s', (_label, input, fields) => {
    expect(fieldsOf(input)).toEqual(fields);
  });

  it('defaults MFA to required', () => {
    expect(registerClientSchema.parse(web).mfaPolicy).toBe('required');
  });

  it('refuses changing the id or the type in an update', () => {
    const result = updateClientSchema.safeParse({ type: 'public', clientId: 'other' });
    expect(result.success ? [] : result.error.issues.map((i) => i.path.join('.')).sort()).toEqual(['clientId', 'type']);
  });
});
