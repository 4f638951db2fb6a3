import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './app-config.js';
import { weakenedDefaults } from './weakened-defaults.js';

const problems = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
    return [];
  } catch (err) {
    return (err as ConfigError).problems;
  }
};

describe('CLIENT_CERT_HEADER and CLIENT_CERT_VERIFY_HEADER', () => {
  it('are off by default, and taken as lower-case header names', () => {
    expect(loadConfig({}).mtls).toEqual({ certificateHeader: undefined, verifyHeader: undefined });
    const config = loadConfig({ TRUST_PROXY: '10.0.0.5', CLIENT_CERT_HEADER: 'X-SSL-Client-Cert', CLIENT_CERT_VERIFY_HEADER: 'X-SSL-Client-Verify' });
    expect(config.mtls).toEqual({ certificateHeader: 'x-ssl-client-cert', verifyHeader: 'x-ssl-client-verify' });
  });

  it('refuses a header without a trusted proxy, a verification header alone, and names already in use', () => {
    expect(problems({ CLIENT_CERT_HEADER: 'X-SSL-Client-Cert' })).toEqual([expect.stringMatching(/^CLIENT_CERT_HEADER needs TRUST_PROXY/)]);
    expect(problems({ TRUST_PROXY: '1', CLIENT_CERT_VERIFY_HEADER: 'X-SSL-Client-Verify' })).toEqual([
      expect.stringMatching(/^CLIENT_CERT_VERIFY_HEADER needs CLIENT_CERT_HEADER/),
    ]);
    expect(problems({ TRUST_PROXY: '1', CLIENT_CERT_HEADER: 'Authorization' })).toEqual([expect.stringMatching(/^CLIENT_CERT_HEADER must be a header of its own/)]);
    expect(problems({ TRUST_PROXY: '1', CLIENT_CERT_HEADER: 'X SSL Cert' })).toEqual([expect.stringMatching(/^CLIENT_CERT_HEADER must be an HTTP header name/)]);
    expect(problems({ TRUST_PROXY: '1', CLIENT_CERT_HEADER: 'x-c', CLIENT_CERT_VERIFY_HEADER: 'X-C' })).toEqual([
      expect.stringMatching(/^CLIENT_CERT_VERIFY_HEADER must differ/),
    ]);
  });

  it('calls a header believed from any peer (TRUST_PROXY a count or true) a weakened default, not one from listed proxies', () => {
    const https = { ISSUER: 'https://id.hospital.example', CLIENT_CERT_HEADER: 'X-SSL-Client-Cert' };
    expect(weakenedDefaults(loadConfig({ ...https, TRUST_PROXY: '10.0.0.5' }))).toEqual([]);
    expect(weakenedDefaults(loadConfig({ ...https, TRUST_PROXY: '1' })).join(' ')).toMatch(/CLIENT_CERT_HEADER with TRUST_PROXY=1/);
  });
});
