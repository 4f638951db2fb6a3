import type { JWK } from 'jose';

/**
 * What admin needs from keys, clients, identity and oidc, as injection tokens that the
 * composition root binds (src/app/admin-ports.module.ts). admin/ imports none of those modules:
 * they import admin for their own admin controllers, and a cycle of modules is refused (#18).
 */
export interface AdminKeySource {
  /** Published public keys, to verify admin access tokens in-process. */
  publicJwks(): Promise<{ keys: JWK[] }>;
  /** A named 32-byte server secret, sealed at rest under the KEK. */
  getSecret(name: string): Promise<Buffer>;
}

export interface AdminClientDirectory {
  /** The scopes the client is registered for now (its ceiling), or null when it is unknown, disabled or deleted. */
  liveResourceScopesOf(clientId: string): Promise<string[] | null>;
}

export interface AdminTokenStore {
  /** The claims this service signed under the jti, while it still holds that token; undefined otherwise. */
  heldClaims(jti: string): Promise<Record<string, unknown> | undefined>;
  /** True the first time this DPoP proof (key thumbprint, proof jti) is presented, on any instance, within ttl. */
  firstUseOfProof(jkt: string, proofJti: string, ttlSeconds: number): Promise<boolean>;
}

export interface AdminUserDirectory {
  /** The roles a person holds now, or null when the user is unknown, disabled or deleted. */
  activeRolesOf(userId: string): Promise<string[] | null>;
}

/** How a request presented its token: what DPoP and mTLS sender constraints are checked against. */
export interface AdminPresentation {
  method: string;
  /** The request URL as received (path and query). */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  remoteAddress: string | undefined;
}

export interface AdminCertificateSource {
  /** False when this deployment has no client certificates (CLIENT_CERT_HEADER unset). */
  readonly enabled: boolean;
  /** base64url SHA-256 of the DER of the client certificate the request came with (RFC 8705 §3.1), if any. */
  thumbprintOf(presentation: AdminPresentation): string | undefined;
}

export const ADMIN_KEY_SOURCE = Symbol('ADMIN_KEY_SOURCE');
export const ADMIN_CERTIFICATE_SOURCE = Symbol('ADMIN_CERTIFICATE_SOURCE');
export const ADMIN_USER_DIRECTORY = Symbol('ADMIN_USER_DIRECTORY');
export const ADMIN_CLIENT_DIRECTORY = Symbol('ADMIN_CLIENT_DIRECTORY');
export const ADMIN_TOKEN_STORE = Symbol('ADMIN_TOKEN_STORE');
