import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Consent and SMART on FHIR: the grants users give apps (and the provider grants issued under
 * each, with their launch context), per-client consent policy (first-party), custom scope
 * descriptions, and the SMART context administrators give users (fhirUser, patients they may open).
 */
export class ConsentAndSmart1795868701216 implements MigrationInterface {
  name = 'ConsentAndSmart1795868701216';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE consent_grants (
        id uuid PRIMARY KEY,
        user_id uuid NOT NULL,
        client_id text NOT NULL,
        oidc_scopes text[] NOT NULL DEFAULT '{}',
        oidc_claims text[] NOT NULL DEFAULT '{}',
        resource_scopes jsonb NOT NULL DEFAULT '{}',
        origin text NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz,
        revoked_by text,
        version integer NOT NULL DEFAULT 1,
        CONSTRAINT consent_grants_origin_check CHECK (origin IN ('user', 'first_party'))
      )`);
    await q.query(`CREATE UNIQUE INDEX consent_grants_live_key ON consent_grants (user_id, client_id) WHERE revoked_at IS NULL`);
    await q.query(`CREATE INDEX consent_grants_user_idx ON consent_grants (user_id, created_at, id)`);

    await q.query(`
      CREATE TABLE consent_grant_authorizations (
        oidc_grant_id text PRIMARY KEY,
        consent_grant_id uuid NOT NULL
          CONSTRAINT consent_grant_authorizations_consent_grant_id_fkey REFERENCES consent_grants (id) ON DELETE CASCADE,
        session_uid text,
        patient_id text,
        encounter_id text,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX consent_grant_authorizations_consent_idx ON consent_grant_authorizations (consent_grant_id)`);

    await q.query(`
      CREATE TABLE consent_client_policies (
        client_id text PRIMARY KEY,
        first_party boolean NOT NULL DEFAULT false,
        updated_at timestamptz NOT NULL,
        version integer NOT NULL DEFAULT 1
      )`);

    await q.query(`
      CREATE TABLE consent_custom_scopes (
        name text PRIMARY KEY,
        description text NOT NULL,
        scope_group text NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        version integer NOT NULL DEFAULT 1,
        CONSTRAINT consent_custom_scopes_group_check CHECK (scope_group IN ('identity', 'read', 'write', 'offline', 'other'))
      )`);

    await q.query(`
      CREATE TABLE smart_user_contexts (
        user_id uuid PRIMARY KEY,
        fhir_user text,
        updated_at timestamptz NOT NULL,
        version integer NOT NULL DEFAULT 1
      )`);
    await q.query(`
      CREATE TABLE smart_patient_access (
        user_id uuid NOT NULL
          CONSTRAINT smart_patient_access_user_id_fkey REFERENCES smart_user_contexts (user_id) ON DELETE CASCADE,
        patient_id text NOT NULL,
        display_name text NOT NULL,
        encounter_id text,
        position integer NOT NULL,
        PRIMARY KEY (user_id, patient_id)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE smart_patient_access`);
    await q.query(`DROP TABLE smart_user_contexts`);
    await q.query(`DROP TABLE consent_custom_scopes`);
    await q.query(`DROP TABLE consent_client_policies`);
    await q.query(`DROP TABLE consent_grant_authorizations`);
    await q.query(`DROP TABLE consent_grants`);
  }
}
