import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientManagementService, ClientsService } from '../../../src/clients/index.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { startApp, testKek, type RunningApp } from '../../support/in-process-app.js';

/**
 * The registration the provider authenticates clients with is looked up once for the requests
 * that ask at the same instant, and a client disabled on this instance is refused at once,
 * even when a lookup that read it enabled was still in flight.
 */
describe('client registration lookups', () => {
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

  const create = () =>
    running.app.get(ClientsService).createClient({ name: 'Lab interface', type: 'confidential', grantTypes: ['client_credentials'] });

  it('answers concurrent lookups of one client alike', async () => {
    const { clientId } = await create();
    const clients = running.app.get(ClientsService);
    const answers = await Promise.all(Array.from({ length: 16 }, () => clients.findProviderMetadata(clientId)));
    for (const a of answers) expect(a).toMatchObject({ client_id: clientId, grant_types: ['client_credentials'] });
  });

  it('refuses a disabled client from the next lookup, even after a lookup in flight read it enabled', async () => {
    const { clientId } = await create();
    const clients = running.app.get(ClientsService);
    const inFlight = clients.findProviderMetadata(clientId);
    await running.app.get(ClientManagementService).setEnabled(clientId, false, { actor: { type: 'system', id: 'test' } });
    await inFlight;
    expect(await clients.findProviderMetadata(clientId)).toBeUndefined();
  });
});
