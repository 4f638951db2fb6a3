import { describe, expect, it } from 'vitest';
import { redactUrl } from './logging.js';

describe('log redaction of URLs', () => {
  it.each([
    ['/health/live', '/health/live'],
    ['/session/end?id_token_hint=eyJ.abc.def&state=s', '/session/end?id_token_hint=%5BRedacted%5D&state=%5BRedacted%5D'],
    ['/cb?code=abc&iss=x', '/cb?code=%5BRedacted%5D&iss=x'],
    ['/authorize?client_id=app&login_hint=a%40b.c', '/authorize?client_id=app&login_hint=%5BRedacted%5D'],
    ['/setup/abcdefghijklmnop', '/setup/[Redacted]'],
    ['/setup/abcdefghijklmnop/totp', '/setup/[Redacted]/totp'],
  ])('%s', (url, expected) => {
    expect(redactUrl(url)).toBe(expected);
  });
});
