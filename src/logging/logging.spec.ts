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

describe('the start-up logger', () => {
  it('moves the framework per-route and per-module lines to debug, keeps everything else', async () => {
    const { quietStartupLogger } = await import('./logging.js');
    const seen: string[] = [];
    const inner = {
      log: (m: unknown) => seen.push(`log:${String(m)}`),
      debug: (m: unknown) => seen.push(`debug:${String(m)}`),
      error: (m: unknown) => seen.push(`error:${String(m)}`),
      warn: (m: unknown) => seen.push(`warn:${String(m)}`),
    };
    const logger = quietStartupLogger(inner);
    logger.log('Mapped {/token, POST} route', 'RouterExplorer');
    logger.log('AppModule dependencies initialized', 'InstanceLoader');
    logger.log('Nest application successfully started', 'NestApplication');
    logger.warn('security default weakened', 'Caduceus');
    expect(seen).toEqual(['debug:Mapped {/token, POST} route', 'debug:AppModule dependencies initialized', 'log:Nest application successfully started', 'warn:security default weakened']);
  });
});
