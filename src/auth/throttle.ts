import { createHash } from 'node:crypto';

/**
 * Brute-force rules, decided here and nowhere else:
 * - failures are counted per account identifier (hash of the lowercased email, whether or not an
 *   account exists, so a lock reveals nothing) and per client IP, each within a window;
 * - an identifier reaching the threshold is locked for lockSeconds; an IP over its budget is refused;
 * - each further attempt on an identifier with failures waits longer (progressive delay).
 */
export interface ThrottleState {
  failures: number;
  windowStartedAt: Date;
  lockedUntil: Date | null;
}

export function accountKey(email: string): string {
  return `acct:${createHash('sha256').update(email.trim().toLowerCase()).digest('hex')}`;
}

export function ipKey(ip: string): string {
  return `ip:${ip}`;
}

export function isLocked(state: ThrottleState | null, now: Date): boolean {
  return Boolean(state?.lockedUntil && state.lockedUntil > now);
}

export function overBudget(state: ThrottleState | null, budget: number, windowSeconds: number, now: Date): boolean {
  if (!state) return false;
  const windowOpen = state.windowStartedAt.getTime() + windowSeconds * 1000 > now.getTime();
  return windowOpen && state.failures >= budget;
}

/** 0 ms for the first two failures, then 250 ms doubling to a 4 s cap. */
export function progressiveDelayMs(failures: number): number {
  if (failures < 2) return 0;
  return Math.min(4000, 250 * 2 ** (failures - 2));
}
