/**
 * Time as the audit module sees it (retention cut-offs, checkpoint due times). Record times
 * come from the database clock; this clock only decides. Tests move it forward six years.
 */
export interface AuditClock {
  now(): Date;
}

export const AUDIT_CLOCK = Symbol('AUDIT_CLOCK');

/** A fresh object per application: a test may replace `now` on its own instance only. */
export function systemAuditClock(): AuditClock {
  return { now: () => new Date() };
}
