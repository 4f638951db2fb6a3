import { describe, expect, it } from 'vitest';
import { loadConfig, weakenedDefaults } from '../config/index.js';

describe('OUTBOUND_ALLOW_PRIVATE', () => {
  const https = { ISSUER: 'https://id.hospital.example' };

  it('takes networks and host names, and defaults to public addresses only', () => {
    expect(loadConfig({}).outboundAllowPrivate).toEqual([]);
    expect(loadConfig({ OUTBOUND_ALLOW_PRIVATE: ' 10.20.0.0/16, idp.hospital.local,*.corp.example,fd00::/8 ' }).outboundAllowPrivate).toEqual([
      '10.20.0.0/16',
      'idp.hospital.local',
      '*.corp.example',
      'fd00::/8',
    ]);
  });

  it('refuses an entry that is neither, or that would allow everything, naming the variable', () => {
    expect(() => loadConfig({ OUTBOUND_ALLOW_PRIVATE: '10.20.0.0/16,0.0.0.0/0' })).toThrow(/OUTBOUND_ALLOW_PRIVATE.*would allow every address/);
    expect(() => loadConfig({ OUTBOUND_ALLOW_PRIVATE: 'https://idp.hospital.local' })).toThrow(/OUTBOUND_ALLOW_PRIVATE.*neither a CIDR nor a host name/);
    expect(() => loadConfig({ OUTBOUND_ALLOW_PRIVATE: '10.0.0.0/40' })).toThrow(/OUTBOUND_ALLOW_PRIVATE.*not a valid IP address or CIDR/);
  });

  it('is a weakened default, as is the loopback allowance', () => {
    expect(weakenedDefaults(loadConfig(https))).toEqual([]);
    expect(weakenedDefaults(loadConfig({ ...https, OUTBOUND_ALLOW_PRIVATE: '10.20.0.0/16' })).join(' ')).toMatch(/OUTBOUND_ALLOW_PRIVATE=10\.20\.0\.0\/16/);
    expect(weakenedDefaults(loadConfig({ ...https, OUTBOUND_ALLOW_LOOPBACK: 'true' })).join(' ')).toMatch(/OUTBOUND_ALLOW_LOOPBACK=true/);
  });
});
