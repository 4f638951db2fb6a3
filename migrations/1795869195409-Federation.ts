import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Upstream identity providers, the (IdP, upstream sub) → user links, and in-flight upstream sign-ins. */
export class Federation1795869195409 implements MigrationInterface {
  name = 'Federation1795869195409';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE identity_providers (
        id text PRIMARY KEY,
        display_name text NOT NULL,
        logo_uri text,
        discovery_url text,
        issuer text NOT NULL,
        endpoints jsonb NOT NULL DEFAULT '{}',
        client_id text NOT NULL,
        client_auth text NOT NULL,
        sealed_secret text,
        sealed_private_jwk text,
        scopes text[] NOT NULL,
        allowed_domains text[] NOT NULL DEFAULT '{}',
        claim_mapping jsonb NOT NULL DEFAULT '{}',
        role_mapping jsonb NOT NULL DEFAULT '{}',
        groups_claim text NOT NULL DEFAULT 'groups',
        trust_upstream_mfa boolean NOT NULL DEFAULT false,
        allow_linking boolean NOT NULL DEFAULT false,
        use_userinfo boolean NOT NULL DEFAULT false,
        enabled boolean NOT NULL DEFAULT true,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        CONSTRAINT identity_providers_client_auth_check CHECK (client_auth IN ('client_secret_basic', 'client_secret_post', 'private_key_jwt'))
      )`);
    await q.query(`
      CREATE TABLE federated_identities (
        idp_id text NOT NULL REFERENCES identity_providers (id) ON DELETE CASCADE,
        subject text NOT NULL,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        email text,
        upstream_sid text,
        sealed_id_token text,
        created_at timestamptz NOT NULL,
        last_login_at timestamptz NOT NULL,
        PRIMARY KEY (idp_id, subject)
      )`);
    await q.query(`CREATE INDEX federated_identities_user_idx ON federated_identities (user_id)`);
    await q.query(`
      CREATE TABLE federation_flows (
        state text PRIMARY KEY,
        interaction_uid text NOT NULL,
        idp_id text NOT NULL REFERENCES identity_providers (id) ON DELETE CASCADE,
        request jsonb NOT NULL,
        result jsonb,
        expires_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX federation_flows_expires_idx ON federation_flows (expires_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE federation_flows`);
    await q.query(`DROP TABLE federated_identities`);
    await q.query(`DROP TABLE identity_providers`);
  }
}
