import { fromProviderMetadata } from './client-metadata.js';
import type { ClientSnapshot } from './clients.events.js';
import type { StoredClient } from './clients.repository.js';
import type { ClientRegistration } from './clients.schemas.js';

/** A client as the rest of the application sees it: registration fields and state, never the secret hash. */
export type ClientRecord = ClientRegistration & {
  clientId: string;
  enabled: boolean;
  hasSecret: boolean;
  secretUpdatedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  /** Bumped by every change: the ETag of the admin API. */
  version: number;
};

export function toClientRecord(c: StoredClient): ClientRecord {
  return {
    ...fromProviderMetadata(c.clientId, c.name, c.mfaPolicy, c.metadata),
    enabled: c.enabled,
    hasSecret: c.secretHash !== null,
    secretUpdatedAt: c.secretUpdatedAt,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
    version: c.version,
  };
}

/** The non-secret fields audit keeps before and after a change. */
export function snapshotOf(c: StoredClient): ClientSnapshot {
  const { clientId: _id, ...registration } = fromProviderMetadata(c.clientId, c.name, c.mfaPolicy, c.metadata);
  return { ...registration, enabled: c.enabled };
}

/** Fields whose values differ between two snapshots (compared as JSON). */
export function changedFields(before: ClientSnapshot, after: ClientSnapshot): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]) as Set<keyof ClientSnapshot>;
  return [...keys].filter((k) => JSON.stringify(before[k] ?? null) !== JSON.stringify(after[k] ?? null)).sort();
}
