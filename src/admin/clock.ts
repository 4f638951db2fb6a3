/** Time source for admin decisions (idempotency expiry), replaceable in tests. */
export interface Clock {
  now(): Date;
}

export const ADMIN_CLOCK = Symbol('ADMIN_CLOCK');

export const systemClock: Clock = { now: () => new Date() };
