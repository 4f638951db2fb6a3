import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPair } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientsService } from '../../../src/clients/index.js';
import { useApp } from '../../support/fixture.js';

/**
 * oidc-provider's outbound calls go through the shared policy: a client whose jwks_uri names a
 * host that resolves to a loopback address (without OUTBOUND_ALLOW_LOOPBACK) cannot authenticate
 * with private_key_jwt, the key server is never contacted, and the refusal is in the audit trail.
 */
describe('an outbound call refused for a client is audited', () => {
  const running = useApp();
  let keyServer: Server;
  let keyServerHits = 0;

  beforeAll(async () => {
    keyServer = createServer((_req, res) => {
      keyServerHits++;
      res.writeHead(500).end();
    });
    await new Promise<void>((resolve) => keyServer.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => keyServer.close(() => resolve()));
  });

  it('refuses a jwks_uri on localhost: invalid_client, no request made, one audit record', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    const jwks = `https://localhost:${(keyServer.address() as AddressInfo).port}/jwks`;
    const created = await running.app.get(ClientsService).createClient({
      name: 'Lab integration',
      type: 'confidential',
      grantTypes: ['client_credentials'],
      tokenEndpointAuthMethod: 'private_key_jwt',
      jwksUri: jwks,
    });
    const config = await oidc.discovery(new URL(running.url), created.clientId, { token_endpoint_auth_signing_alg: 'ES256' }, oidc.PrivateKeyJwt({ key: privateKey }), {
      execute: [oidc.allowInsecureRequests],
    });

    await expect(oidc.clientCredentialsGrant(config)).rejects.toMatchObject({ error: 'invalid_client' });
    expect(keyServerHits).toBe(0);

    const records = await running.db.query<{ subject_id: string; outcome: string; details: Record<string, unknown> }>(
      `SELECT subject_id, outcome, details FROM audit_events WHERE event_type = 'hardening.outbound.refused' ORDER BY seq`,
    );
    expect(records).toEqual([
      expect.objectContaining({
        subject_id: jwks,
        outcome: 'failure',
        details: expect.objectContaining({ purpose: 'client', reason: 'address_refused', target: jwks, detail: expect.stringMatching(/loopback address/) }),
      }),
    ]);
  });
});
