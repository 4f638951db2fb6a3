import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeysService } from '../../../src/keys/index.js';
import { BOOTSTRAP_ID, BOOTSTRAP_SECRET, bootstrapEnv, tokenRequest } from '../audit/audit-test-kit.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { startApp, testKek, type RunningApp } from '../../support/in-process-app.js';

/**
 * The published keys cannot be read (outside attack on #23: under database latency the service
 * answered `active: false` for live tokens, an answer that looks final to a resource server).
 * The keys table is held locked by another session, so reading it runs into the statement
 * timeout, on the real database. A token whose keys cannot be read is neither good nor bad:
 * the answer is 503 with Retry-After, at /introspect and on the admin API alike.
 */
describe('a token checked while the signing keys cannot be read', () => {
  let db: TestDatabase;
  let running: RunningApp;
  let token: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    running = await startApp({ DATABASE_URL: db.url, KEY_ENCRYPTION_KEY: testKek(), DATABASE_STATEMENT_TIMEOUT_MS: '300', ...bootstrapEnv() });
    const res = await tokenRequest(running.url, { clientId: BOOTSTRAP_ID, clientSecret: BOOTSTRAP_SECRET }, { resource: 'urn:caduceus:admin', scope: 'admin:super-admin' });
    token = ((await res.json()) as { access_token: string }).access_token;
  });

  afterAll(async () => {
    await running?.close();
    await db?.drop();
  });

  const introspect = () =>
    fetch(`${running.url}/introspect`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${BOOTSTRAP_ID}:${BOOTSTRAP_SECRET}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token }),
    });
  const whoami = () => fetch(`${running.url}/admin/v1/whoami`, { headers: { authorization: `Bearer ${token}` } });

  it('answers 503, never inactive or 401, and the same token is good again once the keys can be read', async () => {
    expect(await (await introspect()).json()).toMatchObject({ active: true });
    expect((await whoami()).status).toBe(200);

    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE signing_keys IN ACCESS EXCLUSIVE MODE');
      running.app.get(KeysService).invalidateCaches(); // as a key change seen from another instance does

      const during = await introspect();
      expect({ status: during.status, body: await during.text() }).toMatchObject({ status: 503 });
      expect(during.headers.get('retry-after')).toBeTruthy();
      const admin = await whoami();
      expect(admin.status).toBe(503);
      expect(admin.headers.get('retry-after')).toBeTruthy();
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      await holder.end();
    }

    expect(await (await introspect()).json()).toMatchObject({ active: true });
    expect((await whoami()).status).toBe(200);
  });
});
