import { describe, expect, it } from 'vitest';
import { AddressRules, allowPrivateEntryProblem, classifyAddress, isLiteralLoopbackHost, PUBLIC_ONLY } from './outbound-address.js';

describe('the outbound address classifier', () => {
  it.each([
    // public, including the edges of the private blocks
    ['8.8.8.8', 'public'],
    ['9.255.255.255', 'public'],
    ['11.0.0.0', 'public'],
    ['172.15.255.255', 'public'],
    ['172.32.0.0', 'public'],
    ['100.63.255.255', 'public'],
    ['100.128.0.0', 'public'],
    ['169.253.255.255', 'public'],
    ['192.167.255.255', 'public'],
    ['2606:4700::1111', 'public'],
    ['2001:4860:4860::8888', 'public'],
    ['::ffff:8.8.8.8', 'public'],
    ['64:ff9b::808:808', 'public'],
    // loopback, in every spelling that reaches it
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['64:ff9b::127.0.0.1', 'loopback'],
    // the hospital's own networks
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.0.1', 'private'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:c0a8:101', 'private'],
    ['100.64.0.1', 'carrier-grade-nat'],
    ['100.127.255.255', 'carrier-grade-nat'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456::1', 'unique-local'],
    // link-local (cloud metadata lives here)
    ['169.254.169.254', 'link-local'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['fe80::1', 'link-local'],
    ['febf::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    // never destinations
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['::', 'unspecified'],
    ['::ffff:0.0.0.0', 'unspecified'],
    // special-purpose ranges, including the IPv6 forms that tunnel to an IPv4 address
    ['192.0.2.1', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['240.0.0.1', 'reserved'],
    ['2001:db8::1', 'reserved'],
    ['2002:7f00:1::1', 'reserved'],
    ['2001::1', 'reserved'],
    ['::7f00:1', 'reserved'],
    ['::127.0.0.1', 'reserved'],
    ['64:ff9b:1::1', 'reserved'],
    ['100::1', 'reserved'],
    ['fec0::1', 'reserved'],
    // not addresses at all (a URL parser turns 0x7f.1 and 127.1 into 127.0.0.1 before we see them)
    ['localhost', 'invalid'],
    ['', 'invalid'],
    ['1.2.3', 'invalid'],
    ['999.1.1.1', 'invalid'],
    ['0x7f.1', 'invalid'],
    ['127.1', 'invalid'],
  ])('%s is %s', (address, expected) => {
    expect(classifyAddress(address)).toBe(expected);
  });

  it.each([
    ['localhost', true],
    ['LOCALHOST', true],
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['[::1]', true],
    ['::1', true],
    ['localhost.example', false],
    ['127.0.0.1.nip.io', false],
    ['10.0.0.1', false],
    ['example.org', false],
  ])('%s is a literal loopback host: %s', (host, expected) => {
    expect(isLiteralLoopbackHost(host)).toBe(expected);
  });
});

describe('OUTBOUND_ALLOW_PRIVATE entries', () => {
  it.each(['10.20.0.0/16', '10.20.3.4', 'fd00::/8', '2001:db8:1::5', 'idp.hospital.local', '*.corp.example', 'IdP-1.Hospital.org'])('%s is accepted', (entry) => {
    expect(allowPrivateEntryProblem(entry)).toBeNull();
  });

  it.each([
    ['0.0.0.0/0', /every address/],
    ['::/0', /every address/],
    ['10.0.0.0/33', /not a valid/],
    ['fd00::/129', /not a valid/],
    ['10.0.0.0/8/1', /not a valid/],
    ['10.0.0/8', /not a valid/],
    ['idp..local', /neither/],
    ['*', /neither/],
    ['https://idp.hospital.local', /neither/],
    ['-idp.local', /neither/],
  ])('%s is refused', (entry, message) => {
    expect(allowPrivateEntryProblem(entry)).toMatch(message);
  });
});

describe('which address an outbound call may connect to', () => {
  const loopback = new AddressRules({ allowLoopback: true, allowPrivate: [] });
  const hospital = new AddressRules({ allowLoopback: false, allowPrivate: ['10.20.0.0/16', 'idp.hospital.local', '*.corp.example', '0.0.0.0/8'] });

  it.each([
    // public addresses only, by default
    [PUBLIC_ONLY, '8.8.8.8', 'idp.example.org', true],
    [PUBLIC_ONLY, '127.0.0.1', 'localhost', false],
    [PUBLIC_ONLY, '10.20.1.1', 'idp.hospital.local', false],
    [PUBLIC_ONLY, '::ffff:127.0.0.1', 'rebind.example', false],
    // loopback only for a host that is literally loopback
    [loopback, '127.0.0.1', 'localhost', true],
    [loopback, '127.0.0.1', '127.0.0.1', true],
    [loopback, '::1', '[::1]', true],
    [loopback, '127.0.0.1', 'rebind.example', false],
    [loopback, '10.0.0.1', 'localhost', false],
    [loopback, '169.254.169.254', 'localhost', false],
    // named networks: any address inside; named hosts: private networks only
    [hospital, '10.20.1.1', 'anything.example', true],
    [hospital, '::ffff:10.20.1.1', 'anything.example', true],
    [hospital, '10.21.0.1', 'anything.example', false],
    [hospital, '10.21.0.1', 'idp.hospital.local', true],
    [hospital, '10.21.0.1', 'IDP.hospital.local.', true],
    [hospital, 'fd00::5', 'idp.hospital.local', true],
    [hospital, '172.16.0.1', 'sso.corp.example', true],
    [hospital, '172.16.0.1', 'corp.example', false],
    [hospital, '172.16.0.1', 'evilcorp.example', false],
    [hospital, '169.254.169.254', 'idp.hospital.local', false],
    [hospital, '127.0.0.1', 'idp.hospital.local', false],
    // never, whatever is allowed
    [hospital, '0.0.0.0', 'idp.hospital.local', false],
    [hospital, '224.0.0.1', 'idp.hospital.local', false],
  ])('%#: %s for %s -> allowed %s', (rules, address, host, allowed) => {
    const r = rules instanceof AddressRules ? rules : new AddressRules(rules);
    expect(r.refusal(address, host) === null).toBe(allowed);
  });

  it('names the class of a refused address', () => {
    expect(new AddressRules(PUBLIC_ONLY).refusal('169.254.169.254', 'metadata.example')).toBe('169.254.169.254 is a link-local address');
  });

  it('will not be built from an invalid allowance', () => {
    expect(() => new AddressRules({ allowLoopback: false, allowPrivate: ['0.0.0.0/0'] })).toThrow(/every address/);
  });
});
