import { describe, expect, it } from 'vitest';
import { isSecretName, REDACTED, redactDetails } from './audit-redaction.js';
import { canonicalBytes, RECORD_VERSION } from './chain/audit-record.js';

describe('the audit redaction guard', () => {
  it.each([
    ['password', true],
    ['newPassword', true],
    ['client_secret', true],
    ['clientSecret', true],
    ['secretHash', true],
    ['access_token', true],
    ['refreshToken', true],
    ['id_token', true],
    ['code', true],
    ['authorizationCode', true],
    ['userCode', true],
    ['recoveryCodes', true],
    ['totp', true],
    ['totpCode', true],
    ['otp', true],
    ['privateKey', true],
    ['privateJwk', true],
    ['assertion', true],
    ['cookie', true],
    ['code_verifier', true],
    ['accessTokenFormat', false],
    ['tokenEndpointAuthMethod', false],
    ['tokenRef', false],
    ['statusCode', false],
    ['errorCode', false],
    ['clientId', false],
    ['scope', false],
    ['grantTypes', false],
    ['description', false],
  ])('treats a field named %s as a credential: %s', (name, secret) => {
    expect(isSecretName(name)).toBe(secret);
  });

  it('replaces credential values at any depth and reports where', () => {
    const { details, redacted } = redactDetails({
      clientId: 'ehr',
      before: { name: 'EHR', clientSecret: 's3cr3t-value' },
      factors: [{ kind: 'totp', totpCode: 123456 }],
      password: 'hunter2',
    });
    expect(details).toEqual({
      clientId: 'ehr',
      before: { name: 'EHR', clientSecret: REDACTED },
      factors: [{ kind: 'totp', totpCode: REDACTED }],
      password: REDACTED,
    });
    expect(redacted.sort()).toEqual(['before.clientSecret', 'factors[0].totpCode', 'password']);
    expect(JSON.stringify(details)).not.toMatch(/s3cr3t|hunter2|123456/);
  });

  it('keeps facts about credentials (booleans, null) but not their values', () => {
    expect(redactDetails({ withPassword: true, hasSecret: false, code: null }).details).toEqual({ withPassword: true, hasSecret: false, code: null });
  });

  it('redacts credential-shaped values whatever the field is called', () => {
    const jwt = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';
    const { details } = redactDetails({
      note: jwt,
      key: { kty: 'EC', crv: 'P-256', x: 'a', y: 'b', d: 'private' },
      stored: 'hmac-sha256$abc',
      pem: '-----BEGIN PRIVATE KEY-----\nMII...',
    });
    expect(details).toEqual({ note: REDACTED, key: REDACTED, stored: REDACTED, pem: REDACTED });
  });

  it('makes details storable in jsonb exactly as hashed (no NUL, no lone surrogate, finite numbers, bounded)', () => {
    const { details } = redactDetails({ a: 'x\u0000y', b: 'lone \ud800', c: Number.NaN, d: -0, e: 'z'.repeat(5000), f: new Date(0), g: undefined });
    expect(details).toEqual({ a: 'x\uFFFDy', b: 'lone \uFFFD', c: null, d: 0, e: `${'z'.repeat(2048)}…`, f: '1970-01-01T00:00:00.000Z' });
    const text = canonicalBytes({
      v: RECORD_VERSION,
      seq: 1,
      prevHash: '0'.repeat(64),
      recordedAt: '2026-01-01T00:00:00.000Z',
      occurredAt: '2026-01-01T00:00:00.000Z',
      eventType: 'x.y',
      outcome: 'success',
      actor: { type: 'system', id: 'caduceus' },
      subject: null,
      clientId: null,
      ip: null,
      userAgent: null,
      sessionId: null,
      correlationId: 'c',
      details,
    });
    expect(JSON.parse(text).details).toEqual(details);
  });
});
