/** Time source for consent decisions (expiry of grants), replaceable in tests. */
export interface ConsentClock {
  now(): Date;
}

export const CONSENT_CLOCK = Symbol('CONSENT_CLOCK');

export const systemConsentClock: ConsentClock = { now: () => new Date() };
