import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { startApp, testKek, type RunningApp } from '../../support/in-process-app.js';

const PRIVATE_JWK_MEMBER = /"(d|p|q|dp|dq|qi|k)"\s*:/;
const PEM_PRIVATE = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;

/** Nobody with a copy of the database can mint tokens: private keys exist only sealed. */
describe('signing keys at rest', () => {
  let db: TestDatabase;
  let running: RunningApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    running = await startApp({ DATABASE_URL: db.url, KEY_ENCRYPTION_KEY: testKek() });
  });

  afterAll(async () => {
    await running?.close();
    await db?.drop();
  });

  it('generates one active ES256 key on first start and publishes only its public part', async () => {
    const keys = await db.query<{ kid: string; alg: string; state: string }>('SELECT kid, alg, state FROM signing_keys');
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ alg: 'ES256', state: 'active' });
    const jwks = await (await fetch(`${running.url}/jwks`)).json();
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kid: keys[0]!.kid, alg: 'ES256', kty: 'EC', use: 'sig' });
    expect(JSON.stringify(jwks)).not.toMatch(PRIVATE_JWK_MEMBER);
  });

  it('holds no private key material in clear in any column of any table', async () => {
    const tables = await db.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
    );
    expect(tables.length).toBeGreaterThan(3);
    for (const { table_name } of tables) {
      const rows = await db.query(`SELECT * FROM "${table_name}"`);
      const dump = JSON.stringify(rows);
      expect(dump, table_name).not.toMatch(PRIVATE_JWK_MEMBER);
      expect(dump, table_name).not.toMatch(PEM_PRIVATE);
    }
  });

  it('refuses to start with a different key-encryption key instead of running unsigned', async () => {
    const { startApp: start } = await import('../../support/in-process-app.js');
    await expect(start({ DATABASE_URL: db.url, KEY_ENCRYPTION_KEY: Buffer.alloc(32, 9).toString('base64') })).rejects.toThrow(
      /sealed under key-encryption key .* but KEY_ENCRYPTION_KEY is/,
    );
  });
});
