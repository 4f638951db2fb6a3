/**
 * Time as the keys module sees it. Every rotation decision reads this clock, never Date.now(),
 * so tests move time forward (30 days, a pre-publication window) without sleeping.
 */
export interface Clock {
  now(): Date;
}

export const KEYS_CLOCK = Symbol('KEYS_CLOCK');

/** A fresh object per application: a test may replace `now` on its own instance only. */
export function systemClock(): Clock {
  return { now: () => new Date() };
}
