import type { EffectiveSchedule } from './key-lifecycle.service.js';
import type { StoredSigningKey } from './keys.repository.js';
import { activationAt, rotationDueAt } from './rotation-policy.js';

export interface KeyResponse {
  kid: string;
  alg: StoredSigningKey['alg'];
  state: StoredSigningKey['state'];
  source: StoredSigningKey['source'];
  /** Whether /jwks lists it right now. */
  published: boolean;
  publicJwk: Record<string, unknown>;
  createdAt: string;
  activatedAt: string | null;
  /** Active keys: when the schedule replaces it. Next keys: when it starts signing. */
  rotationDueAt?: string;
  activatesAt?: string;
  retiredAt: string | null;
  publishedUntil: string | null;
  removedAt: string | null;
  revokedAt: string | null;
  revocationReason: string | null;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** Public fields only: the sealed private key never leaves the repository. */
export function toKeyResponse(key: StoredSigningKey, all: readonly StoredSigningKey[], schedule: EffectiveSchedule): KeyResponse {
  const active = all.find((k) => k.alg === key.alg && k.state === 'active');
  return {
    kid: key.kid,
    alg: key.alg,
    state: key.state,
    source: key.source,
    published: key.state === 'next' || key.state === 'active' || key.state === 'retired',
    publicJwk: { ...key.publicJwk, kid: key.kid, alg: key.alg, use: 'sig' },
    createdAt: key.createdAt.toISOString(),
    activatedAt: iso(key.activatedAt),
    ...(key.state === 'active' ? { rotationDueAt: rotationDueAt(key, schedule).toISOString() } : {}),
    ...(key.state === 'next' ? { activatesAt: activationAt(active, key, schedule).toISOString() } : {}),
    retiredAt: iso(key.retiredAt),
    publishedUntil: iso(key.publishUntil),
    removedAt: iso(key.removedAt),
    revokedAt: iso(key.revokedAt),
    revocationReason: key.revocationReason,
  };
}

export function toScheduleResponse(schedule: EffectiveSchedule) {
  return {
    rotationIntervalSeconds: schedule.rotationIntervalSeconds,
    prePublicationWindowSeconds: schedule.prePublicationWindowSeconds,
    jwksMaxAgeSeconds: schedule.jwksMaxAgeSeconds,
    source: schedule.source,
    updatedAt: iso(schedule.updatedAt),
    updatedBy: schedule.updatedBy,
  };
}
