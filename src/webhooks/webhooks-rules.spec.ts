import { describe, expect, it } from 'vitest';
import { AddressRules, isLiteralLoopbackHost } from '../outbound/outbound-address.js';
import { outboundUrlRefusal } from '../outbound/outbound-http.js';
import { urlRefusal, type OutboundUrlPolicy } from './outbound-url.js';
import { MAX_ATTEMPTS, nextAttemptDelaySeconds, signatureHeader, verifySignature } from './webhook-signature.js';

/** The same judgement outbound/OutboundHttp makes, from the same rules. */
function policy(allowLoopback: boolean, allowPrivate: string[] = []): OutboundUrlPolicy {
  const rules = new AddressRules({ allowLoopback, allowPrivate });
  return {
    urlRefusal: (url) => outboundUrlRefusal(url, rules),
    hostAllowed: (host) => rules.hostAllowed(host),
    allowsLoopback: (url) => allowLoopback && isLiteralLoopbackHost(new URL(url).hostname),
  };
}

describe('webhook target rules', () => {
  it.each([
    ['https://hooks.example.org/caduceus', false, null],
    ['http://hooks.example.org/caduceus', false, 'must be an https URL'],
    ['http://127.0.0.1:8080/x', false, 'must be an https URL'],
    ['http://127.0.0.1:8080/x', true, null],
    ['http://localhost:8080/x', true, null],
    ['https://localhost/x', false, 'must be a public host'],
    ['https://[::1]/x', false, 'must not point at a private, loopback or link-local address'],
    ['https://192.168.1.20/x', true, 'must not point at a private, loopback or link-local address'],
    ['https://169.254.169.254/latest', false, 'must not point at a private, loopback or link-local address'],
    ['https://[::ffff:169.254.169.254]/latest', false, 'must not point at a private, loopback or link-local address'],
    ['https://user:pw@hooks.example.org/x', false, 'must not carry credentials'],
    ['https://hooks.example.org/x#frag', false, 'must not have a fragment'],
    ['https://metadata.internal/x', false, 'must be a public host'],
    ['ftp://hooks.example.org/x', false, 'must be an https URL'],
    ['not a url', false, 'is not an absolute URL'],
  ])('%s (loopback allowed: %s) -> %j', (url, allowLoopback, expected) => {
    expect(urlRefusal(url, policy(allowLoopback))).toBe(expected);
  });

  it('accepts an intranet name or address only when OUTBOUND_ALLOW_PRIVATE names it', () => {
    const hospital = policy(false, ['10.20.0.0/16', 'siem.hospital.local']);
    expect(urlRefusal('https://siem.hospital.local/hook', hospital)).toBeNull();
    expect(urlRefusal('https://10.20.3.4/hook', hospital)).toBeNull();
    expect(urlRefusal('https://other.hospital.local/hook', hospital)).toBe('must be a public host');
    expect(urlRefusal('https://10.21.0.1/hook', hospital)).toBe('must not point at a private, loopback or link-local address');
    expect(urlRefusal('http://siem.hospital.local/hook', hospital)).toBe('must be an https URL');
  });
});

describe('webhook signatures and backoff', () => {
  const secret = Buffer.from('a shared secret of the subscriber');
  const body = JSON.stringify({ type: 'user.locked' });

  it('verifies its own signature, and refuses a changed body, another secret or an old timestamp', () => {
    const header = signatureHeader(secret, body, 1_800_000_000);
    expect(verifySignature(secret, body, header, 1_800_000_010)).toBe(true);
    expect(verifySignature(secret, `${body} `, header, 1_800_000_010)).toBe(false);
    expect(verifySignature(Buffer.from('another'), body, header, 1_800_000_010)).toBe(false);
    expect(verifySignature(secret, body, header, 1_800_000_000 + 301)).toBe(false);
  });

  it('backs off exponentially and gives up after the last attempt', () => {
    expect([1, 2, 3, 4].map(nextAttemptDelaySeconds)).toEqual([1, 2, 4, 8]);
    expect(nextAttemptDelaySeconds(MAX_ATTEMPTS - 1)).toBe(3600);
    expect(nextAttemptDelaySeconds(MAX_ATTEMPTS)).toBeNull();
  });
});
