import { Check, Column, Entity, PrimaryColumn } from 'typeorm';

/** An API (a FHIR server, the admin API) that access tokens can be issued for (RFC 8707). */
@Entity({ name: 'resource_servers' })
@Check('resource_servers_access_token_format_check', "access_token_format IN ('jwt', 'opaque')")
@Check('resource_servers_access_token_ttl_check', 'access_token_ttl IS NULL OR access_token_ttl BETWEEN 60 AND 86400')
export class ResourceServerEntity {
  /** The resource indicator: an absolute URI without fragment. */
  @PrimaryColumn({ type: 'text' })
  identifier: string;

  @Column({ type: 'text' })
  name: string;

  /** `aud` of tokens for this API; defaults to the identifier. */
  @Column({ type: 'text' })
  audience: string;

  @Column({ type: 'text', array: true, default: () => "'{}'" })
  scopes: string[];

  @Column({ name: 'access_token_format', type: 'text' })
  accessTokenFormat: 'jwt' | 'opaque';

  @Column({ name: 'access_token_ttl', type: 'integer', nullable: true })
  accessTokenTtl: number | null;

  @Column({ name: 'signing_alg', type: 'text' })
  signingAlg: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
