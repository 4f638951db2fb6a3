import { describe, expect, it } from 'vitest';
import { isPrivateAddress, urlRefusal } from './outbound-url.js';
import { MAX_ATTEMPTS, nextAttemptDelaySeconds, signatureHeader, verifySignature } from './webhook-signature.js';

describe('webhook target rules', () => {
  it.each([
    ['https://hooks.example.org/caduceus', false, null],
    ['http://hooks.example.org/caduceus', false, 'must be an https URL'],
    ['http://127.0.0.1:8080/x', false, 'must be an https URL'],
    ['http://127.0.0.1:8080/x', true, null],
    ['https://[::1]/x', false, 'must not point at a private, loopback or link-local address'],
    ['https://192.168.1.20/x', true, 'must not point at a private, loopback or link-local address'],
    ['https://169.254.169.254/latest', false, 'must not point at a private, loopback or link-local address'],
    ['https://user:pw@hooks.example.org/x', false, 'must not carry credentials'],
    ['https://metadata.internal/x', false, 'must be a public host'],
    ['not a url', false, 'is not an absolute URL'],
  ])('%s (loopback allowed: %s) -> %j', (url, allowLoopback, expected) => {
    expect(urlRefusal(url, allowLoopback)).toBe(expected);
  });

  it.each([
    ['10.1.2.3', true],
    ['172.16.0.1', true],
    ['100.64.0.1', true],
    ['::ffff:127.0.0.1', true],
    ['fd00::1', true],
    ['8.8.8.8', false],
    ['2606:4700::1111', false],
  ])('%s private: %s', (address, expected) => {
    expect(isPrivateAddress(address)).toBe(expected);
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
