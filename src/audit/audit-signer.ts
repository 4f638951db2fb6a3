import type { JWK } from 'jose';

/**
 * What audit/ asks of the signing keys, as a port: the composition root binds it to keys/
 * (src/app/audit-mappings.ts), so audit/ imports no module.
 */
export interface AuditSigner {
  /** A compact JWS of the payload, signed with the active key, with this `typ`. */
  signJws(payload: unknown, typ: string): Promise<string>;
  /** The published public keys: a checkpoint is trusted only if one of them signed it. */
  publicJwks(): Promise<{ keys: JWK[] }>;
}

export const AUDIT_SIGNER = 'AUDIT_SIGNER';
