import { describe, expect, it } from 'vitest';
import { basicClientId, bucketOf, judge, keysFor, retryAfterSeconds } from './rate-limit.rules.js';
import { jsonDepthExceeds, queryProblem } from './input-limits.js';

const limits = {
  enabled: true,
  windowSeconds: 60,
  redisPrefix: 'p:',
  tokenPerIp: 10,
  tokenPerClient: 20,
  introspectPerIp: 30,
  introspectPerClient: 40,
  signInPerIp: 50,
  adminPerIp: 60,
};

describe('rate-limit rules', () => {
  it('limits the token, introspection and sign-in POSTs and the whole admin API, nothing else', () => {
    expect(bucketOf('POST', '/token')).toBe('token');
    expect(bucketOf('POST', '/token?x=1')).toBe('token');
    expect(bucketOf('POST', '/introspect')).toBe('introspect');
    expect(bucketOf('POST', '/interaction/abc/login')).toBe('sign_in');
    expect(bucketOf('POST', '/account/verify')).toBe('sign_in');
    expect(bucketOf('POST', '/setup/abc')).toBe('sign_in');
    expect(bucketOf('GET', '/account/security')).toBeNull();
    expect(bucketOf('GET', '/admin/v1/clients')).toBe('admin');
    expect(bucketOf('DELETE', '/admin')).toBe('admin');
    expect(bucketOf('GET', '/token')).toBeNull();
    expect(bucketOf('GET', '/interaction/abc')).toBeNull();
    expect(bucketOf('GET', '/administrator')).toBeNull();
    expect(bucketOf('GET', '/health/ready')).toBeNull();
  });

  it('reads the claimed client_id from Basic credentials, form-decoded, and ignores anything malformed', () => {
    const basic = (s: string) => `Basic ${Buffer.from(s).toString('base64')}`;
    expect(basicClientId(basic('ward%20board:secret'))).toBe('ward board');
    expect(basicClientId(basic('a+b:secret'))).toBe('a b');
    expect(basicClientId(basic(':secret'))).toBeNull();
    expect(basicClientId(basic('no-colon'))).toBeNull();
    expect(basicClientId(basic('%E0%A4%A:secret'))).toBeNull();
    expect(basicClientId(basic(`${'x'.repeat(201)}:s`))).toBeNull();
    expect(basicClientId('Bearer abc')).toBeNull();
    expect(basicClientId(undefined)).toBeNull();
  });

  it('counts by IP always and by client on the token and introspection endpoints', () => {
    expect(keysFor('token', '1.2.3.4', 'c', limits).map((k) => [k.kind, k.id, k.limit])).toEqual([
      ['ip', '1.2.3.4', 10],
      ['client', 'c', 20],
    ]);
    expect(keysFor('introspect', '1.2.3.4', null, limits)).toHaveLength(1);
    expect(keysFor('sign_in', '1.2.3.4', 'c', limits).map((k) => k.kind)).toEqual(['ip']);
    expect(keysFor('admin', '1.2.3.4', null, limits)[0]!.limit).toBe(60);
  });

  it.each([
    [60_000, 60],
    [59_001, 60],
    [1, 1],
    [0, 1],
    [30_500, 31],
  ])('asks to retry after %i ms as %i whole seconds, never less than one', (ms, seconds) => {
    expect(retryAfterSeconds(ms)).toBe(seconds);
  });

  it('refuses over the limit and marks only the first refusal for the audit trail', () => {
    expect(judge(3, 3)).toBe('allow');
    expect(judge(4, 3)).toBe('first_refusal');
    expect(judge(5, 3)).toBe('refuse');
  });

  it('measures JSON depth without recursion, even for absurd nesting', () => {
    expect(jsonDepthExceeds({ a: [1, { b: 2 }] }, 3)).toBe(false);
    expect(jsonDepthExceeds({ a: [1, { b: {} }] }, 3)).toBe(true);
    expect(jsonDepthExceeds('x', 0)).toBe(false);
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(jsonDepthExceeds(deep, 32)).toBe(true);
  });

  it('names the query parameter that is too long, too many or has too many scopes', () => {
    expect(queryProblem('scope=openid&state=abc')).toBeNull();
    expect(queryProblem(`state=${'x'.repeat(8193)}`)).toBe('parameter state is longer than 8192 characters');
    expect(queryProblem(Array.from({ length: 51 }, (_, i) => `p${i}=1`).join('&'))).toBe('more than 50 parameters');
    expect(queryProblem(`scope=${Array.from({ length: 101 }, (_, i) => `s${i}`).join('+')}`)).toBe('more than 100 scopes requested');
  });
});
