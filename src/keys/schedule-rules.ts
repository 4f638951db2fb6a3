import type { RotationSchedule } from './rotation-policy.js';

export const ROTATION_INTERVAL_RANGE = { min: 3600, max: 365 * 86400 } as const;
export const PREPUBLICATION_WINDOW_RANGE = { min: 60, max: 90 * 86400 } as const;

export interface ScheduleProblem {
  field: keyof RotationSchedule;
  message: string;
}

/**
 * Rules for a rotation schedule (the same the environment is held to):
 * - the interval and the window are whole seconds within their ranges;
 * - the pre-publication window is at least the JWKS max-age, so every relying party that
 *   caches the JWKS has seen a key before it signs;
 * - the window is shorter than the interval (a key is published before the one it replaces is due).
 */
export function scheduleProblems(schedule: RotationSchedule, jwksMaxAgeSeconds: number): ScheduleProblem[] {
  const problems: ScheduleProblem[] = [];
  const { rotationIntervalSeconds: interval, prePublicationWindowSeconds: window } = schedule;
  if (!Number.isInteger(interval) || interval < ROTATION_INTERVAL_RANGE.min || interval > ROTATION_INTERVAL_RANGE.max) {
    problems.push({
      field: 'rotationIntervalSeconds',
      message: `must be a whole number of seconds from ${ROTATION_INTERVAL_RANGE.min} to ${ROTATION_INTERVAL_RANGE.max}`,
    });
  }
  if (!Number.isInteger(window) || window < PREPUBLICATION_WINDOW_RANGE.min || window > PREPUBLICATION_WINDOW_RANGE.max) {
    problems.push({
      field: 'prePublicationWindowSeconds',
      message: `must be a whole number of seconds from ${PREPUBLICATION_WINDOW_RANGE.min} to ${PREPUBLICATION_WINDOW_RANGE.max}`,
    });
  } else if (window < jwksMaxAgeSeconds) {
    problems.push({
      field: 'prePublicationWindowSeconds',
      message: `must be at least the JWKS cache max-age (${jwksMaxAgeSeconds} seconds), or relying parties could meet a key they have not fetched`,
    });
  } else if (Number.isInteger(interval) && window >= interval) {
    problems.push({ field: 'prePublicationWindowSeconds', message: 'must be shorter than rotationIntervalSeconds' });
  }
  return problems;
}
