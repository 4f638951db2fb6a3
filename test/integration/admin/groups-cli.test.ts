import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from './cli-runner.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';

/** `npm run cli -- create-group`: a group and its members from the console (one process per file). */
describe('the admin CLI: create-group', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
    process.env.DATABASE_URL = db.url;
    process.env.KEY_ENCRYPTION_KEY = Buffer.alloc(32, 7).toString('base64');
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('creates a group whose members hold its roles; refuses an unknown member or a missing name', async () => {
    expect((await cli('create-group', '--role', 'nurse')).err).toContain('--name is required');
    const ghost = await cli('create-group', '--name', 'Ward 9', '--member', 'nobody@hospital.test');
    expect(ghost.code).toBe(1);
    expect(ghost.err).toContain('--member nobody@hospital.test: no such user');
    const user = await cli('create-admin-user', '--email', 'matron@hospital.test', '--role', 'user-admin', '--json');
    expect(user.code).toBe(0);
    const made = await cli('create-group', '--name', 'Ward 9', '--role', 'ward-9', '--member', 'matron@hospital.test', '--json');
    expect(made.code, made.err).toBe(0);
    expect(JSON.parse(made.out)).toMatchObject({ roles: ['ward-9'], members: ['matron@hospital.test'] });
    const rows = await db.query<{ roles: string[] }>(`SELECT g.roles FROM groups g JOIN group_members m ON m.group_id = g.id`);
    expect(rows).toEqual([{ roles: ['ward-9'] }]);
    const again = await cli('create-group', '--name', 'ward 9');
    expect(again.code).toBe(1);
    expect(again.err).toContain('displayName is already in use');
  });
});
