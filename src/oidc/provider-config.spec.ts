import { describe, expect, it } from 'vitest';
import { ceilingScopes, refreshTokenTtl, sessionTtl } from './provider-config.js';

const ttl = { ttl: { sessionIdle: 900, sessionAbsolute: 43_200, refreshTokenIdle: 1800, refreshTokenAbsolute: 43_200 } } as never;
const now = Date.UTC(2026, 10, 28, 12);
const ago = (s: number) => Math.floor(now / 1000) - s;

describe('session and refresh token lifetimes', () => {
  it.each([
    ['no sign-in yet', undefined, 900],
    ['fresh sign-in: the idle window', ago(10), 900],
    ['near the absolute end: what is left', ago(43_200 - 300), 300],
    ['past the absolute end: expire now', ago(50_000), 1],
  ])('session: %s', (_l, loginTs, expected) => {
    expect(sessionTtl(ttl, loginTs, now)).toBe(expected);
  });

  it.each([
    ['first issue', undefined, 1800],
    ['rotated within the family lifetime', ago(3600), 1800],
    ['family nearly at its absolute end', ago(43_200 - 60), 60],
  ])('refresh token: %s', (_l, iiat, expected) => {
    expect(refreshTokenTtl(ttl, iiat, now)).toBe(expected);
  });
});

describe('resource scope ceiling', () => {
  it.each([
    [['a', 'b', 'c'], ['a', 'c', 'z'], ['a', 'c']],
    [['a', 'b'], [], []],
    [['a', 'b'], undefined, []],
  ])('%j within %j', (resource, ceiling, expected) => {
    expect(ceilingScopes(resource, ceiling)).toEqual(expected);
  });
});
