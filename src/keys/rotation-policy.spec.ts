import { describe, expect, it } from 'vitest';
import { activationAt, planRotation, publishUntil, RETIREMENT_MARGIN_SECONDS, type KeyView, type RotationSchedule } from './rotation-policy.js';
import { scheduleProblems } from './schedule-rules.js';

const H = 3600_000;
const D = 24 * H;
const T0 = new Date('2026-01-01T00:00:00Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const schedule: RotationSchedule = { rotationIntervalSeconds: 30 * 86400, prePublicationWindowSeconds: 86400 };

const key = (kid: string, state: KeyView['state'], extra: Partial<KeyView> = {}): KeyView => ({
  kid,
  alg: 'ES256',
  state,
  createdAt: T0,
  activatedAt: state === 'active' ? T0 : null,
  publishUntil: null,
  rotationRequestedAt: null,
  ...extra,
});

describe('planRotation', () => {
  it.each([
    { name: 'nothing to do early in the interval', keys: [key('a', 'active')], now: at(10 * D), expected: [] },
    { name: 'one second before the window opens: still nothing', keys: [key('a', 'active')], now: at(29 * D - 1000), expected: [] },
    {
      name: 'the window opens: publish the next key',
      keys: [key('a', 'active')],
      now: at(29 * D),
      expected: [{ type: 'publish-next', alg: 'ES256' }],
    },
    {
      name: 'due, but the next key was published only 23 h ago: wait',
      keys: [key('a', 'active'), key('b', 'next', { createdAt: at(30 * D - 23 * H) })],
      now: at(30 * D),
      expected: [],
    },
    {
      name: 'due and the next key published for the whole window: activate it, retire the old',
      keys: [key('a', 'active'), key('b', 'next', { createdAt: at(29 * D) })],
      now: at(30 * D),
      expected: [{ type: 'activate-next', alg: 'ES256', kid: 'b', retireKid: 'a' }],
    },
    {
      name: 'an administrator asked for a rotation: the next key is published at once',
      keys: [key('a', 'active', { rotationRequestedAt: at(2 * D) })],
      now: at(2 * D),
      expected: [{ type: 'publish-next', alg: 'ES256' }],
    },
    {
      name: 'no active key and no next key (a required alg): generate one active at once',
      keys: [],
      now: at(0),
      expected: [{ type: 'generate-active', alg: 'ES256' }],
    },
    {
      name: 'no active key but a next one: it takes over at once',
      keys: [key('b', 'next')],
      now: at(0),
      expected: [{ type: 'activate-next', alg: 'ES256', kid: 'b', retireKid: null }],
    },
    {
      name: 'a retired key whose retention has passed leaves the JWKS; one still within stays',
      keys: [key('a', 'active'), key('r1', 'retired', { publishUntil: at(D) }), key('r2', 'retired', { publishUntil: at(D + 1000) })],
      now: at(D),
      expected: [{ type: 'remove', alg: 'ES256', kid: 'r1' }],
    },
    {
      name: 'revoked and removed keys are never touched',
      keys: [key('a', 'active'), key('x', 'revoked'), key('y', 'removed', { publishUntil: at(0) })],
      now: at(D),
      expected: [],
    },
  ])('$name', ({ keys, now, expected }) => {
    expect(planRotation(keys, schedule, now, ['ES256'])).toEqual(expected);
  });

  it('keeps every algorithm that has an active key rotating, and creates the required ones', () => {
    const keys = [key('a', 'active'), key('r', 'active', { alg: 'RS256' })];
    expect(planRotation(keys, schedule, at(29 * D), ['ES256', 'EdDSA'])).toEqual([
      { type: 'publish-next', alg: 'ES256' },
      { type: 'generate-active', alg: 'EdDSA' },
      { type: 'publish-next', alg: 'RS256' },
    ]);
  });
});

describe('activationAt and publishUntil', () => {
  it('a next key signs at the later of the due time and the end of its pre-publication window', () => {
    expect(activationAt(key('a', 'active'), key('b', 'next', { createdAt: at(10 * D) }), schedule)).toEqual(at(30 * D));
    expect(activationAt(key('a', 'active'), key('b', 'next', { createdAt: at(29.5 * D) }), schedule)).toEqual(at(30.5 * D));
  });

  it('a retired key stays published for the longest token lifetime plus a margin', () => {
    expect(publishUntil(T0, 600)).toEqual(at((600 + RETIREMENT_MARGIN_SECONDS) * 1000));
  });
});

describe('scheduleProblems', () => {
  it.each([
    { s: { rotationIntervalSeconds: 30 * 86400, prePublicationWindowSeconds: 86400 }, fields: [] },
    { s: { rotationIntervalSeconds: 30 * 86400, prePublicationWindowSeconds: 299 }, fields: ['prePublicationWindowSeconds'] },
    { s: { rotationIntervalSeconds: 86400, prePublicationWindowSeconds: 86400 }, fields: ['prePublicationWindowSeconds'] },
    { s: { rotationIntervalSeconds: 60, prePublicationWindowSeconds: 3600 }, fields: ['rotationIntervalSeconds', 'prePublicationWindowSeconds'] },
    { s: { rotationIntervalSeconds: 30 * 86400, prePublicationWindowSeconds: 1.5 }, fields: ['prePublicationWindowSeconds'] },
  ])('$s → $fields', ({ s, fields }) => {
    expect(scheduleProblems(s, 300).map((p) => p.field)).toEqual(fields);
  });
});
