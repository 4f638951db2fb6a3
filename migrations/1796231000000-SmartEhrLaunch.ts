import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * SMART EHR launch (#21): the launch contexts an EHR creates for an app. The launch value itself
 * is never stored, only its SHA-256; a row is used once (`used_at`), and `oidc_grant_id` links it
 * to the provider grant whose tokens carry its context.
 */
export class SmartEhrLaunch1796231000000 implements MigrationInterface {
  name = 'SmartEhrLaunch1796231000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE smart_launches (
        id uuid PRIMARY KEY,
        value_hash text NOT NULL CONSTRAINT smart_launches_value_hash_key UNIQUE,
        client_id text NOT NULL,
        fhir_base text NOT NULL,
        patient_id text NOT NULL,
        encounter_id text,
        fhir_context jsonb NOT NULL DEFAULT '[]',
        intent text,
        need_patient_banner boolean,
        smart_style_url text,
        user_id uuid,
        fhir_user text,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        oidc_grant_id text,
        CONSTRAINT smart_launches_user_check CHECK (user_id IS NOT NULL OR fhir_user IS NOT NULL)
      )`);
    await q.query(`CREATE INDEX smart_launches_expires_idx ON smart_launches (expires_at)`);
    await q.query(`CREATE INDEX smart_launches_grant_idx ON smart_launches (oidc_grant_id) WHERE oidc_grant_id IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE smart_launches`);
  }
}
