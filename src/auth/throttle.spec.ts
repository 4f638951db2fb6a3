import { describe, expect, it } from 'vitest';
import { accountKey, isLocked, overBudget, progressiveDelayMs } from './throttle.js';

const now = new Date('2026-11-28T12:00:00Z');
const at = (secondsAgo: number) => new Date(now.getTime() - secondsAgo * 1000);

describe('sign-in throttle rules', () => {
  it('keys accounts by a hash of the normalised email, never the email itself', () => {
    expect(accountKey(' Dr.Grey@Hospital.org ')).toBe(accountKey('dr.grey@hospital.org'));
    expect(accountKey('dr.grey@hospital.org')).not.toContain('grey');
  });

  it.each([
    [null, false],
    [{ failures: 5, windowStartedAt: at(10), lockedUntil: at(-60) }, true],
    [{ failures: 5, windowStartedAt: at(10), lockedUntil: at(1) }, false],
    [{ failures: 2, windowStartedAt: at(10), lockedUntil: null }, false],
  ])('lock state %#', (state, locked) => {
    expect(isLocked(state, now)).toBe(locked);
  });

  it.each([
    [{ failures: 49, windowStartedAt: at(60), lockedUntil: null }, false],
    [{ failures: 50, windowStartedAt: at(60), lockedUntil: null }, true],
    [{ failures: 500, windowStartedAt: at(901), lockedUntil: null }, false],
  ])('per-IP budget %#', (state, over) => {
    expect(overBudget(state, 50, 900, now)).toBe(over);
  });

  it('delays progressively and caps the delay', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 10].map(progressiveDelayMs)).toEqual([0, 0, 250, 500, 1000, 2000, 4000, 4000]);
  });
});
