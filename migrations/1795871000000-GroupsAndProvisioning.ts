import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Groups (name, directory external id, the roles they grant, members) and the directory's
 * external id of a user, so SCIM provisioning and federation agree on one account.
 */
export class GroupsAndProvisioning1795871000000 implements MigrationInterface {
  name = 'GroupsAndProvisioning1795871000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users ADD COLUMN external_id text`);
    await q.query(`CREATE UNIQUE INDEX users_external_id_key ON users (external_id) WHERE external_id IS NOT NULL`);
    await q.query(`
      CREATE TABLE groups (
        id uuid PRIMARY KEY,
        display_name text NOT NULL,
        external_id text,
        roles text[] NOT NULL DEFAULT '{}',
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE UNIQUE INDEX groups_display_name_key ON groups (lower(display_name))`);
    await q.query(`CREATE UNIQUE INDEX groups_external_id_key ON groups (external_id) WHERE external_id IS NOT NULL`);
    await q.query(`CREATE INDEX groups_listing_idx ON groups (created_at, id)`);
    await q.query(`
      CREATE TABLE group_members (
        group_id uuid NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        PRIMARY KEY (group_id, user_id)
      )`);
    await q.query(`CREATE INDEX group_members_user_idx ON group_members (user_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE group_members`);
    await q.query(`DROP TABLE groups`);
    await q.query(`DROP INDEX users_external_id_key`);
    await q.query(`ALTER TABLE users DROP COLUMN external_id`);
  }
}
