import { createHash } from 'node:crypto';
import { calculateJwkThumbprint, decodeJwt, EmbeddedJWK, jwtVerify } from 'jose';
import type { AdminCertificateSource, AdminPresentation } from './admin-ports.js';

/** How far a DPoP proof's iat may be from now (oidc-provider's window at the token endpoint). */
export const DPOP_IAT_WINDOW_SECONDS = 300;
/** The algorithms a DPoP proof may be signed with (advertised as `algs` in a DPoP challenge). */
export const DPOP_ALGS = ['ES256', 'PS256', 'RS256', 'EdDSA'];

/** Why a sender-constrained token was refused, or undefined when the constraint holds. */
export type ConstraintFailure = string | undefined;

/**
 * Rules (RFC 9449 §7, RFC 8705 §3 at a resource server): a token bound to a DPoP key (cnf.jkt)
 * counts only under the `DPoP` scheme with exactly one DPoP proof: a `dpop+jwt` signed by the
 * public key in its header, whose thumbprint is cnf.jkt, for this method and URL (htu without
 * query), iat within 5 minutes, a jti, and ath the hash of this token. An unbound token never
 * counts under the `DPoP` scheme. A token bound to a certificate (cnf.x5t#S256) counts only over
 * that certificate, and not at all where this deployment has no client certificates.
 */
export async function senderConstraintFailure(
  scheme: 'bearer' | 'dpop',
  token: string,
  cnf: unknown,
  presentation: AdminPresentation | undefined,
  publicOrigin: string,
  certificates: AdminCertificateSource | undefined,
  now = Math.floor(Date.now() / 1000),
): Promise<ConstraintFailure> {
  const bound = cnf && typeof cnf === 'object' ? (cnf as Record<string, unknown>) : {};
  const jkt = typeof bound.jkt === 'string' ? bound.jkt : undefined;
  const x5t = typeof bound['x5t#S256'] === 'string' ? (bound['x5t#S256'] as string) : undefined;
  if (jkt) {
    if (scheme !== 'dpop') return 'this access token is DPoP-bound: present it with the DPoP scheme and a DPoP proof';
    const failure = await dpopProofFailure(token, jkt, presentation, publicOrigin, now);
    if (failure) return failure;
  } else if (scheme === 'dpop') {
    return 'the DPoP scheme is only for DPoP-bound access tokens';
  }
  if (x5t) {
    if (!certificates?.enabled || !presentation) return 'this access token is bound to a client certificate, which this service cannot see';
    if (certificates.thumbprintOf(presentation) !== x5t) return 'this access token is bound to another client certificate';
  }
  return undefined;
}

async function dpopProofFailure(token: string, jkt: string, p: AdminPresentation | undefined, publicOrigin: string, now: number): Promise<ConstraintFailure> {
  const header = p?.headers.dpop;
  if (!p || typeof header !== 'string') return 'a DPoP-bound access token needs exactly one DPoP proof header';
  try {
    const { payload, protectedHeader } = await jwtVerify(header, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: DPOP_ALGS });
    if (typeof payload.iat !== 'number' || Math.abs(now - payload.iat) > DPOP_IAT_WINDOW_SECONDS) return 'the DPoP proof is not recent';
    if (typeof payload.jti !== 'string' || !payload.jti) return 'the DPoP proof has no jti';
    if (payload.htm !== p.method) return 'the DPoP proof is for another method';
    const expected = new URL(p.url, publicOrigin);
    expected.search = '';
    const htu = typeof payload.htu === 'string' ? URL.parse(payload.htu) : null;
    if (!htu) return 'the DPoP proof is for another URL';
    htu.search = '';
    htu.hash = '';
    if (htu.href !== expected.href) return 'the DPoP proof is for another URL';
    if (payload.ath !== createHash('sha256').update(token).digest('base64url')) return 'the DPoP proof is for another access token';
    if ((await calculateJwkThumbprint(protectedHeader.jwk!, 'sha256')) !== jkt) return 'the DPoP proof is signed by another key than the token is bound to';
    return undefined;
  } catch {
    return 'the DPoP proof is not valid';
  }
}

/** The jti of the (already verified) DPoP proof of a presentation, for replay detection. */
export function dpopProofJti(presentation: AdminPresentation | undefined): string | undefined {
  const header = presentation?.headers.dpop;
  if (typeof header !== 'string') return undefined;
  try {
    const jti = decodeJwt(header).jti;
    return typeof jti === 'string' ? jti : undefined;
  } catch {
    return undefined;
  }
}
