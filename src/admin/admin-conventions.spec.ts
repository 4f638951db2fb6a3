import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { asProblem, bodyProblem } from './admin-http.hooks.js';
import { mayHandleAdminScopes } from './admin-roles.js';
import { requestFingerprint } from './idempotency.service.js';
import { cursorParam, encodeCursor, toPage } from './pagination.js';
import { etagOf, optionalIfMatch, parseIfMatch, requireIfMatch } from './preconditions.js';
import { ProblemError } from './problem.filter.js';
import { fieldErrors } from './validation.pipe.js';

const statusOf = (fn: () => unknown) => {
  try {
    fn();
    return 'ok';
  } catch (e) {
    return e instanceof ProblemError ? e.problem.status : 'other';
  }
};

describe('If-Match', () => {
  it.each([
    [undefined, { kind: 'absent' }],
    ['  ', { kind: 'absent' }],
    ['*', { kind: 'any' }],
    ['"3"', { kind: 'versions', versions: [3] }],
    ['"3", "4"', { kind: 'versions', versions: [3, 4] }],
    ['W/"3"', { kind: 'versions', versions: [] }],
    ['"abc"', { kind: 'versions', versions: [] }],
    ['3', { kind: 'versions', versions: [] }],
  ])('parses %j', (header, expected) => {
    expect(parseIfMatch(header)).toEqual(expected);
  });

  it('is required on updates: 428 when absent or *, 412 when no tag of ours matches', () => {
    expect(statusOf(() => requireIfMatch(undefined))).toBe(428);
    expect(statusOf(() => requireIfMatch('*'))).toBe(428);
    expect(statusOf(() => requireIfMatch('W/"1"'))).toBe(412);
    expect(requireIfMatch(etagOf(7))).toEqual([7]);
  });

  it('is optional on actions', () => {
    expect(optionalIfMatch(undefined)).toBeUndefined();
    expect(optionalIfMatch('*')).toBeUndefined();
    expect(optionalIfMatch('"2"')).toEqual([2]);
    expect(statusOf(() => optionalIfMatch('"x"'))).toBe(412);
  });
});

describe('admin request bodies', () => {
  it.each([
    [{}, undefined],
    [{ 'content-length': '0' }, undefined],
    [{ 'content-length': '10', 'content-type': 'application/json' }, undefined],
    [{ 'content-length': '10', 'content-type': 'application/merge-patch+json; charset=utf-8' }, undefined],
    [{ 'content-length': '10', 'content-type': 'text/plain' }, 415],
    [{ 'content-length': '10', 'content-type': 'application/x-www-form-urlencoded' }, 415],
    [{ 'content-length': '10' }, 415],
    [{ 'transfer-encoding': 'chunked', 'content-type': 'application/xml' }, 415],
    [{ 'content-length': '2000', 'content-type': 'application/json' }, 413],
  ])('%j gives %s', (headers, status) => {
    expect(bodyProblem(headers, 1000)?.status).toBe(status);
  });

  it('turns framework errors into problems, and leaves problems and successes alone', () => {
    expect(asProblem(400, JSON.stringify({ statusCode: 400, message: 'Body is not valid JSON' }))).toMatchObject({
      status: 400,
      errors: [{ field: 'body', message: 'is not valid JSON' }],
    });
    expect(asProblem(404, JSON.stringify({ statusCode: 404, message: 'Cannot GET /admin/v1/x' }))?.title).toBe('Not Found');
    expect(asProblem(400, JSON.stringify({ type: 'about:blank', status: 400 }))).toBeUndefined();
    expect(asProblem(200, JSON.stringify({ statusCode: 200 }))).toBeUndefined();
  });
});

describe('field errors', () => {
  it('names nested body fields, unknown keys, and named parameters', () => {
    const body = z.strictObject({ name: z.string(), uris: z.array(z.url()) });
    const result = body['~standard'].validate({ name: 1, uris: ['x'], extra: true });
    expect('issues' in result && fieldErrors(result.issues!, 'body').map((e) => e.field)).toEqual(['name', 'uris.0', 'extra']);
    const param = z.string().min(3)['~standard'].validate('a');
    expect('issues' in param && fieldErrors(param.issues!, 'param', 'clientId')[0]!.field).toBe('clientId');
  });
});

describe('cursor pagination', () => {
  const position = z.object({ id: z.string() });
  it('round-trips an opaque cursor and refuses tampered ones', () => {
    const cursor = encodeCursor({ id: 'abc' });
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(cursorParam(position).parse(cursor)).toEqual({ id: 'abc' });
    expect(cursorParam(position).safeParse('not!base64').success).toBe(false);
    expect(cursorParam(position).safeParse(encodeCursor({ other: 1 })).success).toBe(false);
  });

  it('gives a next cursor only when a further row exists', () => {
    const rows = [{ id: 'a' }, { id: 'b' }, { id: 'c' }];
    expect(toPage(rows, 3, (r) => r, (r) => r.id)).toEqual({ items: ['a', 'b', 'c'], nextCursor: null });
    const page = toPage(rows, 2, (r) => r, (r) => r.id);
    expect(page.items).toEqual(['a', 'b']);
    expect(cursorParam(position).parse(page.nextCursor)).toEqual({ id: 'b' });
  });
});

describe('admin scopes', () => {
  it.each([
    [['super-admin'], ['admin:super-admin'], true],
    [['client-admin'], ['fhir/Patient.read'], true],
    [['client-admin'], ['admin:auditor'], false],
    [['client-admin', 'user-admin'], ['admin:client-admin'], false],
  ] as const)('%j handling %j: %s', (roles, scopes, allowed) => {
    expect(mayHandleAdminScopes(roles, scopes)).toBe(allowed);
  });
});

describe('idempotency fingerprint', () => {
  it('ignores key order but not values, path or method', () => {
    const a = requestFingerprint('POST', '/admin/v1/clients', { name: 'x', type: 'public' });
    expect(requestFingerprint('post', '/admin/v1/clients', { type: 'public', name: 'x' })).toBe(a);
    expect(requestFingerprint('POST', '/admin/v1/clients', { type: 'public', name: 'y' })).not.toBe(a);
    expect(requestFingerprint('POST', '/admin/v1/users', { type: 'public', name: 'x' })).not.toBe(a);
  });
});
