import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './app-config.js';

const KEK = Buffer.alloc(32, 1).toString('base64');

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
}

describe('configuration', () => {
  it('starts with no configuration at all: embedded database, port 3000, HIPAA-minded defaults', () => {
    const c = loadConfig({});
    expect(c.port).toBe(3000);
    expect(c.issuer).toBe('http://localhost:3000');
    expect(c.database).toEqual({ kind: 'embedded', dataDir: './data' });
    expect(c.ttl).toMatchObject({ accessToken: 600, idToken: 600, authorizationCode: 60, sessionIdle: 900, sessionAbsolute: 43_200 });
    expect(c.smart).toEqual({ fhirBaseUrls: [], ehrLaunch: false, launchTtlSeconds: 300 });
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT must be a whole number from 1 to 65535'],
    [{ PORT: '0' }, 'PORT must be a whole number from 1 to 65535'],
    [{ ISSUER: 'ftp://x' }, 'ISSUER must be an absolute http(s) URL'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL must be a postgres:// or postgresql:// URL'],
    [{ DATABASE_URL: 'postgres://u@h/db' }, 'KEY_ENCRYPTION_KEY is required when DATABASE_URL is set'],
    [{ KEY_ENCRYPTION_KEY: Buffer.alloc(16).toString('base64') }, 'KEY_ENCRYPTION_KEY must be 32 random bytes'],
    [{ BOOTSTRAP_ADMIN_CLIENT_ID: 'admin' }, 'BOOTSTRAP_ADMIN_CLIENT_SECRET must be set together'],
    [{ BOOTSTRAP_ADMIN_CLIENT_ID: 'admin', BOOTSTRAP_ADMIN_CLIENT_SECRET: 'short' }, 'BOOTSTRAP_ADMIN_CLIENT_SECRET must be at least 32 characters'],
    [{ ACCESS_TOKEN_TTL: '86400' }, 'ACCESS_TOKEN_TTL must be at most 3600 seconds'],
    [{ SESSION_IDLE_TTL: '50000', SESSION_ABSOLUTE_TTL: '3600' }, 'SESSION_IDLE_TTL must'],
    [{ LOG_LEVEL: 'chatty' }, 'LOG_LEVEL must be one of'],
    [{ SMART_EHR_LAUNCH: 'yes' }, 'SMART_EHR_LAUNCH must be on or off'],
    [{ SMART_EHR_LAUNCH: 'on' }, 'SMART_EHR_LAUNCH needs FHIR_BASE_URLS'],
    [{ SMART_LAUNCH_TTL_SECONDS: '86400' }, 'SMART_LAUNCH_TTL_SECONDS must be at most 3600 seconds'],
  ])('refuses %j', (env, message) => {
    expect(problems(env).join('\n')).toContain(message);
  });

  it('never echoes a secret value in its messages', () => {
    const secret = 'postgres://caduceus:hunter2-secret@db/x';
    expect(problems({ DATABASE_URL: secret.replace('postgres', 'mysql'), KEY_ENCRYPTION_KEY: 'not-base64-secret!' }).join('\n')).not.toMatch(
      /hunter2|not-base64-secret/,
    );
  });

  it('refuses ADMIN_IP_ALLOWLIST under a TRUST_PROXY that takes any peer for the proxy (a count or true)', () => {
    for (const trust of ['1', '3', 'true']) {
      expect(problems({ ADMIN_IP_ALLOWLIST: '10.0.0.0/8', TRUST_PROXY: trust }), trust).toEqual([
        `ADMIN_IP_ALLOWLIST cannot be enforced with TRUST_PROXY=${trust}: any peer that reaches an instance directly chooses, in X-Forwarded-For, the address it is judged on; list the proxy addresses in TRUST_PROXY (e.g. TRUST_PROXY=172.28.0.10)`,
      ]);
    }
    // Judged on the connection's own address, or on what listed proxies say: allowed.
    expect(loadConfig({ ADMIN_IP_ALLOWLIST: '10.0.0.0/8', TRUST_PROXY: '172.28.0.10,loopback' }).adminIpAllowlist).toEqual(['10.0.0.0/8']);
    expect(loadConfig({ ADMIN_IP_ALLOWLIST: '10.0.0.0/8' }).trustedProxies).toBe(false);
    // No allow-list, nothing to spoof it with: a count stays a (reported) weakened default.
    expect(loadConfig({ TRUST_PROXY: '1' }).trustedProxies).toBe(1);
  });

  it('accepts a complete production configuration', () => {
    const c = loadConfig({ DATABASE_URL: 'postgres://u:p@db:5432/caduceus', KEY_ENCRYPTION_KEY: KEK, ISSUER: 'https://id.hospital.org/' });
    expect(c.issuer).toBe('https://id.hospital.org');
    expect(c.database.kind).toBe('postgres');
    expect(c.keyEncryptionKey?.length).toBe(32);
  });
});
