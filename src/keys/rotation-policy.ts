import type { SigningAlg, SigningKeyState } from './entities/signing-key.entity.js';

export interface KeyView {
  kid: string;
  alg: SigningAlg;
  state: SigningKeyState;
  /** When the key entered the JWKS. */
  createdAt: Date;
  activatedAt: Date | null;
  publishUntil: Date | null;
  rotationRequestedAt: Date | null;
}

export interface RotationSchedule {
  rotationIntervalSeconds: number;
  prePublicationWindowSeconds: number;
}

export type RotationAction =
  | { type: 'generate-active'; alg: SigningAlg }
  | { type: 'publish-next'; alg: SigningAlg }
  | { type: 'activate-next'; alg: SigningAlg; kid: string; retireKid: string | null }
  | { type: 'remove'; alg: SigningAlg; kid: string };

/**
 * Covers clock skew between instances and the few seconds another instance may keep signing
 * with a key before it notices the key was retired.
 */
export const RETIREMENT_MARGIN_SECONDS = 300;

const addSeconds = (d: Date, s: number) => new Date(d.getTime() + s * 1000);

/** When the active key is due to be replaced: its interval elapsed, or an administrator asked. */
export function rotationDueAt(active: Pick<KeyView, 'activatedAt' | 'createdAt' | 'rotationRequestedAt'>, schedule: RotationSchedule): Date {
  const scheduled = addSeconds(active.activatedAt ?? active.createdAt, schedule.rotationIntervalSeconds);
  return active.rotationRequestedAt && active.rotationRequestedAt < scheduled ? active.rotationRequestedAt : scheduled;
}

/** A next key signs no earlier than the rotation is due and it has been published for the whole window. */
export function activationAt(
  active: Pick<KeyView, 'activatedAt' | 'createdAt' | 'rotationRequestedAt'> | undefined,
  next: Pick<KeyView, 'createdAt'>,
  schedule: RotationSchedule,
): Date {
  const published = addSeconds(next.createdAt, schedule.prePublicationWindowSeconds);
  if (!active) return published;
  const due = rotationDueAt(active, schedule);
  return due > published ? due : published;
}

/** A retired key stays published until every token it could have signed has expired. */
export function publishUntil(retiredAt: Date, maxTokenTtlSeconds: number): Date {
  return addSeconds(retiredAt, maxTokenTtlSeconds + RETIREMENT_MARGIN_SECONDS);
}

/**
 * What the rotation job must do now, decided from persisted state only. Rules, per algorithm
 * that is required or has an active key:
 * 1. no active key: activate the next key if there is one, else generate an active key at once;
 * 2. no next key and the rotation is due within the pre-publication window: publish a next key;
 * 3. a next key, the rotation due, and the next key published for the whole window: activate it
 *    (the active key retires);
 * and for every retired key whose retention has passed: remove it from the JWKS.
 */
export function planRotation(keys: readonly KeyView[], schedule: RotationSchedule, now: Date, requiredAlgs: readonly SigningAlg[]): RotationAction[] {
  const actions: RotationAction[] = [];
  const algs = new Set<SigningAlg>([...requiredAlgs, ...keys.filter((k) => k.state === 'active').map((k) => k.alg)]);
  for (const alg of [...algs].sort()) {
    const active = keys.find((k) => k.alg === alg && k.state === 'active');
    const next = keys.find((k) => k.alg === alg && k.state === 'next');
    if (!active) {
      actions.push(next ? { type: 'activate-next', alg, kid: next.kid, retireKid: null } : { type: 'generate-active', alg });
      continue;
    }
    const due = rotationDueAt(active, schedule);
    if (!next) {
      if (now >= addSeconds(due, -schedule.prePublicationWindowSeconds)) actions.push({ type: 'publish-next', alg });
    } else if (now >= activationAt(active, next, schedule)) {
      actions.push({ type: 'activate-next', alg, kid: next.kid, retireKid: active.kid });
    }
  }
  for (const key of keys) {
    if (key.state === 'retired' && key.publishUntil && now >= key.publishUntil) actions.push({ type: 'remove', alg: key.alg, kid: key.kid });
  }
  return actions;
}
