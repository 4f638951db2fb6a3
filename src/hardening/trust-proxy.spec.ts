import { describe, expect, it } from 'vitest';
import { loadConfig, weakenedDefaults } from '../config/index.js';
import { clientAddressVerifiable, fastifyTrustProxy, trustedPeer } from './trust-proxy.js';

describe('TRUST_PROXY', () => {
  const trusted = (v: string) => loadConfig({ TRUST_PROXY: v }).trustedProxies;

  it('takes true/false, a number of proxies, or a list of proxy addresses', () => {
    expect(trusted('false')).toBe(false);
    expect(trusted('true')).toBe(true);
    expect(trusted('1')).toBe(1);
    expect(trusted('10.0.0.0/8, 127.0.0.1,loopback')).toEqual(['10.0.0.0/8', '127.0.0.1', 'loopback']);
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(true);
    expect(loadConfig({}).trustProxy).toBe(false);
  });

  it('refuses anything else, naming the variable', () => {
    expect(() => trusted('11')).toThrow(/TRUST_PROXY must be true, false, a number of proxies/);
    expect(() => trusted('proxy.example')).toThrow(/TRUST_PROXY/);
  });

  it('believes only the nearest n hops when given a number', () => {
    const fn = fastifyTrustProxy(1) as (a: string, hop: number) => boolean;
    expect(fn('10.0.0.1', 0)).toBe(true);
    expect(fn('6.6.6.6', 1)).toBe(false);
  });

  it('judges the immediate peer as Fastify does before believing X-Forwarded-* (a header only the proxy may set)', () => {
    const listed = trustedPeer(['10.0.0.0/8', 'loopback']);
    expect([listed('10.2.3.4'), listed('::ffff:127.0.0.1'), listed('::1'), listed('192.0.2.7'), listed(undefined)]).toEqual([true, true, true, false, false]);
    expect(trustedPeer(1)('192.0.2.7')).toBe(true);
    expect(trustedPeer(true)('192.0.2.7')).toBe(true);
    expect(trustedPeer(false)('127.0.0.1')).toBe(false);
  });

  it('calls the resolved address verifiable only with no proxy or listed proxies', () => {
    expect([false, ['10.0.0.5'], 1, 2, true].map((s) => clientAddressVerifiable(s))).toEqual([true, true, false, false, false]);
  });

  it('calls out trusting any peer as the proxy (a count or true), and switching rate limits off, as weakened defaults', () => {
    const https = { ISSUER: 'https://id.hospital.example' };
    expect(weakenedDefaults(loadConfig({ ...https, TRUST_PROXY: '10.0.0.5,loopback' }))).toEqual([]);
    expect(weakenedDefaults(loadConfig({ ...https, TRUST_PROXY: 'false' }))).toEqual([]);
    for (const setting of ['1', '2', 'true']) {
      const [warning, ...rest] = weakenedDefaults(loadConfig({ ...https, TRUST_PROXY: setting }));
      expect(rest).toEqual([]);
      expect(warning).toContain(`TRUST_PROXY=${setting}`);
      expect(warning).toContain('client addresses in audit, rate limits and client IP allow-lists can be spoofed by any peer that reaches the instance directly; list the proxy addresses instead');
    }
    expect(weakenedDefaults(loadConfig({ ...https, TRUST_PROXY: 'true' }))[0]).toMatch(/every X-Forwarded-For hop is believed/);
    expect(weakenedDefaults(loadConfig({ ...https, RATE_LIMIT_ENABLED: 'false' })).join(' ')).toMatch(/RATE_LIMIT_ENABLED=false/);
  });
});
