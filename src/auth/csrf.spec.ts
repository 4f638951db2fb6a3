import { describe, expect, it } from 'vitest';
import { csrfToken, csrfValid, sameOrigin } from './csrf.js';

const key = Buffer.alloc(32, 3);

describe('sign-in form CSRF rules', () => {
  it('binds the token to the interaction', () => {
    expect(csrfValid(key, 'interaction-one', csrfToken(key, 'interaction-one'))).toBe(true);
    expect(csrfValid(key, 'interaction-two', csrfToken(key, 'interaction-one'))).toBe(false);
    expect(csrfValid(Buffer.alloc(32, 4), 'interaction-one', csrfToken(key, 'interaction-one'))).toBe(false);
    expect(csrfValid(key, 'interaction-one', undefined)).toBe(false);
    expect(csrfValid(key, 'interaction-one', ['x'])).toBe(false);
  });

  it.each([
    [{}, true],
    [{ origin: 'https://id.hospital.org' }, true],
    [{ origin: 'null' }, true],
    [{ origin: 'https://evil.example' }, false],
    [{ origin: 'https://id.hospital.org', 'sec-fetch-site': 'same-origin' }, true],
    [{ 'sec-fetch-site': 'cross-site' }, false],
    [{ 'sec-fetch-site': 'same-site' }, false],
  ])('origin check %#', (headers, ok) => {
    expect(sameOrigin(headers, 'https://id.hospital.org')).toBe(ok);
  });
});
