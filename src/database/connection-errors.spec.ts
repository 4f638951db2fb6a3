import { describe, expect, it } from 'vitest';
import { isDatabaseUnavailable } from './connection-errors.js';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('isDatabaseUnavailable', () => {
  it.each([
    ['a reset socket', withCode('ECONNRESET', 'read ECONNRESET')],
    ['a refused connection', withCode('ECONNREFUSED')],
    ['a connection the server ended', new Error('Connection terminated unexpectedly')],
    ['a pool that could not hand out a connection', new Error('timeout exceeded when trying to connect')],
    ['a query the client gave up on', new Error('Query read timeout')],
    ['statement_timeout', withCode('57014', 'canceling statement due to statement timeout')],
    ['a failover (admin shutdown)', withCode('57P01', 'terminating connection due to administrator command')],
    ['too many connections', withCode('53300')],
    ['TypeORM wrapping a lost connection', Object.assign(new Error('query failed'), { driverError: withCode('ECONNRESET') })],
    ['a module error whose cause is a lost connection', new Error('audit write failed', { cause: new Error('Connection terminated') })],
  ])('counts %s', (_what, err) => expect(isDatabaseUnavailable(err)).toBe(true));

  it.each([
    ['a unique violation', withCode('23505', 'duplicate key value violates unique constraint')],
    ['a syntax error', withCode('42601')],
    ['a bug', new TypeError('cannot read properties of undefined')],
    ['nothing', undefined],
  ])('does not count %s', (_what, err) => expect(isDatabaseUnavailable(err)).toBe(false));
});
