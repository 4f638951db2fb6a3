import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The platform's first schema: OIDC artifacts, clients, resource servers, signing keys, sealed secrets. */
export class Initial1764331200000 implements MigrationInterface {
  name = 'Initial1764331200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE oidc_artifacts (
        model text NOT NULL,
        id text NOT NULL,
        payload jsonb NOT NULL,
        grant_id text,
        user_code text,
        uid text,
        expires_at timestamptz,
        consumed_at timestamptz,
        PRIMARY KEY (model, id)
      )`);
    await q.query(`CREATE INDEX oidc_artifacts_grant_id_idx ON oidc_artifacts (grant_id) WHERE grant_id IS NOT NULL`);
    await q.query(`CREATE INDEX oidc_artifacts_uid_idx ON oidc_artifacts (model, uid) WHERE uid IS NOT NULL`);
    await q.query(`CREATE INDEX oidc_artifacts_user_code_idx ON oidc_artifacts (model, user_code) WHERE user_code IS NOT NULL`);
    await q.query(`CREATE INDEX oidc_artifacts_expires_at_idx ON oidc_artifacts (expires_at) WHERE expires_at IS NOT NULL`);

    await q.query(`
      CREATE TABLE clients (
        client_id text PRIMARY KEY,
        name text NOT NULL,
        secret_hash text,
        metadata jsonb NOT NULL,
        enabled boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        CONSTRAINT clients_secret_hash_format CHECK (secret_hash IS NULL OR secret_hash LIKE 'hmac-sha256$%'),
        CONSTRAINT clients_metadata_no_secret CHECK (NOT (metadata ? 'client_secret'))
      )`);

    await q.query(`
      CREATE TABLE resource_servers (
        identifier text PRIMARY KEY,
        name text NOT NULL,
        audience text NOT NULL,
        scopes text[] NOT NULL DEFAULT '{}',
        access_token_format text NOT NULL CHECK (access_token_format IN ('jwt', 'opaque')),
        access_token_ttl integer CHECK (access_token_ttl IS NULL OR access_token_ttl BETWEEN 60 AND 86400),
        signing_alg text NOT NULL,
        created_at timestamptz NOT NULL
      )`);

    await q.query(`
      CREATE TABLE signing_keys (
        kid text PRIMARY KEY,
        alg text NOT NULL CHECK (alg IN ('ES256', 'PS256', 'RS256', 'EdDSA')),
        state text NOT NULL CHECK (state IN ('next', 'active', 'retired', 'revoked')),
        public_jwk jsonb NOT NULL,
        sealed_private_jwk text NOT NULL,
        wrapped_data_key text NOT NULL,
        kek_id text NOT NULL,
        created_at timestamptz NOT NULL,
        activated_at timestamptz,
        retired_at timestamptz,
        revoked_at timestamptz,
        CONSTRAINT signing_keys_public_only CHECK (NOT (public_jwk ?| array['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']))
      )`);
    await q.query(`CREATE UNIQUE INDEX signing_keys_one_active_per_alg ON signing_keys (alg) WHERE state = 'active'`);

    await q.query(`
      CREATE TABLE sealed_secrets (
        name text PRIMARY KEY,
        sealed_value text NOT NULL,
        wrapped_data_key text NOT NULL,
        kek_id text NOT NULL,
        created_at timestamptz NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE sealed_secrets`);
    await q.query(`DROP TABLE signing_keys`);
    await q.query(`DROP TABLE resource_servers`);
    await q.query(`DROP TABLE clients`);
    await q.query(`DROP TABLE oidc_artifacts`);
  }
}
