import { Injectable } from '@nestjs/common';
import { OidcArtifactRepository } from './oidc-artifact.repository.js';

/** The artifact model of a held JWT access token; not an oidc-provider model, so its jti is never a usable opaque token. */
export const HELD_ACCESS_TOKEN_MODEL = 'HeldAccessToken';
/** A DPoP proof a held token was presented with (RFC 9449 §11.1 replay detection). */
export const SEEN_DPOP_PROOF_MODEL = 'SeenDpopProof';

interface IssuedToken {
  clientId?: string;
  accountId?: string;
  grantId?: string;
  sessionUid?: string;
}

/**
 * JWT access tokens (RFC 9068) are self-contained: oidc-provider stores none of them. For the
 * audiences that ask for it (the admin API), every JWT issued is also recorded here by `jti`,
 * with the exact claims signed, before the token leaves the token endpoint. A resource server
 * that must not trust a signature alone (any key-holder could sign one) accepts a token only
 * while its record is held. The record carries the client, account and grant of the token, so
 * disabling a client or user, ending a session or revoking a grant deletes it with the rest.
 */
@Injectable()
export class HeldAccessTokens {
  private readonly audiences = new Set<string>();

  constructor(private readonly artifacts: OidcArtifactRepository) {}

  /** Tokens for this audience are recorded from now on. */
  holdFor(audience: string): void {
    this.audiences.add(audience);
  }

  /** Whether tokens for this `aud` (a string or an array) are held. */
  holds(aud: unknown): boolean {
    return (Array.isArray(aud) ? aud : [aud]).some((a) => typeof a === 'string' && this.audiences.has(a));
  }

  /** Called (awaited) by the provider for every JWT access token it is about to sign. */
  async record(token: IssuedToken, claims: Record<string, unknown>): Promise<void> {
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!audiences.some((a) => typeof a === 'string' && this.audiences.has(a))) return;
    if (typeof claims.jti !== 'string' || typeof claims.exp !== 'number') throw new Error('a held access token needs jti and exp');
    const ttl = Math.max(1, claims.exp - Math.floor(Date.now() / 1000));
    const signed = JSON.parse(JSON.stringify(claims)) as Record<string, unknown>;
    await this.artifacts.upsert(
      HELD_ACCESS_TOKEN_MODEL,
      claims.jti,
      { claims: signed, clientId: token.clientId, accountId: token.accountId, grantId: token.grantId, sessionUid: token.sessionUid },
      ttl,
    );
  }

  /**
   * Stops holding the token (RFC 7009 revocation by its client): the admin API refuses it from
   * the next request. Returns what the record said about the token, or undefined if it was gone.
   */
  async forget(jti: string): Promise<IssuedToken | undefined> {
    const row = await this.artifacts.find(HELD_ACCESS_TOKEN_MODEL, jti);
    if (!row) return undefined;
    await this.artifacts.destroy(HELD_ACCESS_TOKEN_MODEL, jti);
    return { clientId: str(row.clientId), accountId: str(row.accountId), grantId: str(row.grantId), sessionUid: str(row.sessionUid) };
  }

  /** True the first time a DPoP proof (by its key thumbprint and jti) is seen, on any instance, within ttl. */
  async firstUseOfProof(jkt: string, proofJti: string, ttlSeconds: number): Promise<boolean> {
    return this.artifacts.insertIfAbsent(SEEN_DPOP_PROOF_MODEL, `${jkt}:${proofJti}`.slice(0, 250), {}, ttlSeconds);
  }

  /** The claims the service signed under this jti, while it still holds the token; undefined otherwise. */
  async heldClaims(jti: string): Promise<Record<string, unknown> | undefined> {
    const row = await this.artifacts.find(HELD_ACCESS_TOKEN_MODEL, jti);
    const claims = row?.claims;
    return claims && typeof claims === 'object' ? (claims as Record<string, unknown>) : undefined;
  }
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
