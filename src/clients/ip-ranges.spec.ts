import { describe, expect, it } from 'vitest';
import { ipRangeMatcher, normaliseIpRange } from './ip-ranges.js';

describe('normaliseIpRange', () => {
  it.each([
    ['10.1.2.3/16', '10.1.0.0/16'],
    ['10.1.2.3', '10.1.2.3/32'],
    [' 192.168.1.77/24 ', '192.168.1.0/24'],
    ['2001:DB8:0:0::1/48', '2001:db8::/48'],
    ['2001:db8:abcd:12:0:0:0:0/64', '2001:db8:abcd:12::/64'],
    ['::1', '::1/128'],
    ['::ffff:10.0.0.0/104', '10.0.0.0/8'],
    ['::ffff:10.1.2.3', '10.1.2.3/32'],
  ])('%s → %s', (input, expected) => {
    expect(normaliseIpRange(input)).toBe(expected);
  });

  it.each(['10.0.0.0/33', '2001:db8::/129', '1.2.3.4/', '1.2.3.4/x', '10.0.0.0/8/8', 'fe80::1%eth0', 'hospital.example', '', '10.1'])(
    'refuses %j',
    (input) => {
      expect(normaliseIpRange(input)).toBeNull();
    },
  );
});

describe('ipRangeMatcher', () => {
  const allowed = ipRangeMatcher(['10.1.0.0/16', '2001:db8:abcd::/48']);

  it.each([
    ['10.1.2.3', true],
    ['::ffff:10.1.2.3', true],
    ['10.2.0.1', false],
    ['192.0.2.7', false],
    ['2001:db8:abcd:1::5', true],
    ['2001:db8:abce::1', false],
    ['not an address', false],
    [undefined, false],
  ])('%s → %s', (ip, expected) => {
    expect(allowed(ip)).toBe(expected);
  });
});
