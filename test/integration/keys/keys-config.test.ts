import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config/index.js';

const KEK = Buffer.alloc(32, 1).toString('base64');
const OTHER = Buffer.alloc(32, 2).toString('base64');

function problems(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

/** The key settings an operator can get wrong, refused at start with the variable named. */
describe('key management configuration', () => {
  it('defaults to ES256, a 30-day rotation, a 24-hour pre-publication window and a 5-minute JWKS max-age', () => {
    expect(loadConfig({}).keys).toEqual({
      signingAlgs: ['ES256'],
      rotationIntervalSeconds: 30 * 86400,
      prePublicationWindowSeconds: 86400,
      jwksMaxAgeSeconds: 300,
      pollIntervalSeconds: 2,
    });
  });

  it('always keeps ES256 among the signing algorithms', () => {
    expect(loadConfig({ SIGNING_ALGS: 'RS256, EdDSA' }).keys.signingAlgs).toEqual(['ES256', 'RS256', 'EdDSA']);
  });

  it.each([
    { env: { SIGNING_ALGS: 'ES256,HS256' }, variable: 'SIGNING_ALGS' },
    { env: { KEY_PREPUBLICATION_WINDOW: '120' }, variable: 'KEY_PREPUBLICATION_WINDOW' },
    { env: { JWKS_MAX_AGE: '7200', KEY_PREPUBLICATION_WINDOW: '3600' }, variable: 'KEY_PREPUBLICATION_WINDOW' },
    { env: { KEY_ROTATION_INTERVAL: '86400', KEY_PREPUBLICATION_WINDOW: '86400' }, variable: 'KEY_PREPUBLICATION_WINDOW' },
    { env: { KEY_ROTATION_INTERVAL: '60' }, variable: 'KEY_ROTATION_INTERVAL' },
    { env: { KEYS_POLL_INTERVAL: '0' }, variable: 'KEYS_POLL_INTERVAL' },
    { env: { KEY_ENCRYPTION_KEY_PREVIOUS: KEK }, variable: 'KEY_ENCRYPTION_KEY_PREVIOUS' },
    { env: { KEY_ENCRYPTION_KEY: KEK, KEY_ENCRYPTION_KEY_PREVIOUS: KEK }, variable: 'KEY_ENCRYPTION_KEY_PREVIOUS' },
    { env: { KEY_ENCRYPTION_KEY: KEK, KEY_ENCRYPTION_KEY_PREVIOUS: 'short' }, variable: 'KEY_ENCRYPTION_KEY_PREVIOUS' },
  ])('refuses $env, naming $variable', ({ env, variable }) => {
    const found = problems(env);
    expect(found.length).toBeGreaterThan(0);
    expect(found.every((p) => p.startsWith(variable))).toBe(true);
  });

  it('accepts a previous key-encryption key beside a new one, and never echoes either', () => {
    const config = loadConfig({ KEY_ENCRYPTION_KEY: KEK, KEY_ENCRYPTION_KEY_PREVIOUS: OTHER });
    expect(config.keyEncryptionKeyPrevious?.equals(Buffer.alloc(32, 2))).toBe(true);
    expect(problems({ KEY_ENCRYPTION_KEY: KEK, KEY_ENCRYPTION_KEY_PREVIOUS: KEK }).join(' ')).not.toContain(KEK);
  });
});
