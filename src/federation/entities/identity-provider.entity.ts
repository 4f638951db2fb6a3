import { Check, Column, Entity, PrimaryColumn } from 'typeorm';

/** An upstream OpenID Provider (the hospital's directory) Caduceus brokers sign-in to. */
@Entity({ name: 'identity_providers' })
@Check('identity_providers_client_auth_check', "client_auth IN ('client_secret_basic', 'client_secret_post', 'private_key_jwt')")
export class IdentityProviderEntity {
  @PrimaryColumn({ type: 'text' })
  id: string;

  @Column({ name: 'display_name', type: 'text' })
  displayName: string;

  @Column({ name: 'logo_uri', type: 'text', nullable: true })
  logoUri: string | null;

  @Column({ name: 'discovery_url', type: 'text', nullable: true })
  discoveryUrl: string | null;

  @Column({ type: 'text' })
  issuer: string;

  /** Explicit endpoints (authorization, token, userinfo, jwks, end_session) when there is no discovery. */
  @Column({ type: 'jsonb', default: () => "'{}'" })
  endpoints: Record<string, string>;

  @Column({ name: 'client_id', type: 'text' })
  clientId: string;

  @Column({ name: 'client_auth', type: 'text' })
  clientAuth: 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';

  /** The client secret sealed with the federation key (AES-GCM, AAD = IdP id); never returned. */
  @Column({ name: 'sealed_secret', type: 'text', nullable: true })
  sealedSecret: string | null;

  @Column({ name: 'sealed_private_jwk', type: 'text', nullable: true })
  sealedPrivateJwk: string | null;

  @Column({ type: 'text', array: true })
  scopes: string[];

  @Column({ name: 'allowed_domains', type: 'text', array: true, default: () => "'{}'" })
  allowedDomains: string[];

  @Column({ name: 'claim_mapping', type: 'jsonb', default: () => "'{}'" })
  claimMapping: Record<string, string>;

  @Column({ name: 'role_mapping', type: 'jsonb', default: () => "'{}'" })
  roleMapping: Record<string, string[]>;

  @Column({ name: 'groups_claim', type: 'text', default: 'groups' })
  groupsClaim: string;

  @Column({ name: 'trust_upstream_mfa', type: 'boolean', default: false })
  trustUpstreamMfa: boolean;

  @Column({ name: 'allow_linking', type: 'boolean', default: false })
  allowLinking: boolean;

  @Column({ name: 'use_userinfo', type: 'boolean', default: false })
  useUserinfo: boolean;

  @Column({ type: 'boolean', default: true })
  enabled: boolean;

  @Column({ type: 'integer', default: 1 })
  version: number;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
