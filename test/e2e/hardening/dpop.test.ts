import * as oidc from 'openid-client';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { ClientsService } from '../../../src/clients/index.js';
import { useApp } from '../../support/fixture.js';

/**
 * DPoP (RFC 9449) with openid-client as the client: the token is bound to the client's key
 * (cnf.jkt), a server nonce is demanded and honoured, and a proof without the nonce is refused.
 */
describe('sender-constrained tokens with DPoP', () => {
  let config: oidc.Configuration;
  let secret: string;

  const running = useApp();

  beforeAll(async () => {
    const { clientId, clientSecret } = await running.app.get(ClientsService).createClient({
      name: 'Device gateway',
      type: 'confidential',
      grantTypes: ['client_credentials'],
    });
    secret = clientSecret!;
    config = await oidc.discovery(new URL(running.url), clientId, undefined, oidc.ClientSecretBasic(clientSecret!), {
      execute: [oidc.allowInsecureRequests],
    });
  });

  it('binds the token to the client key after the nonce round trip', async () => {
    const keyPair = await oidc.randomDPoPKeyPair('ES256');
    const dpop = oidc.getDPoPHandle(config, keyPair);
    const tokens = await oidc.clientCredentialsGrant(config, {}, { DPoP: dpop });
    expect(tokens.token_type).toBe('dpop');

    const introspection = await oidc.tokenIntrospection(config, tokens.access_token);
    expect(introspection.active).toBe(true);
    expect(introspection.token_type).toBe('DPoP');
    expect((introspection.cnf as { jkt?: string }).jkt).toBe(await calculateJwkThumbprint(await exportJWK(keyPair.publicKey)));
  });

  it('answers a valid proof without the server nonce with use_dpop_nonce and a fresh nonce', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const proof = await new SignJWT({ htm: 'POST', htu: `${running.url}/token`, jti: randomUUID() })
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: await exportJWK(publicKey) })
      .setIssuedAt()
      .sign(privateKey);
    const res = await fetch(new URL('/token', running.url), {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${config.clientMetadata().client_id}:${secret}`).toString('base64')}`,
        dpop: proof,
      },
      body: 'grant_type=client_credentials',
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('use_dpop_nonce');
    expect(res.headers.get('dpop-nonce')).toBeTruthy();
  });
});
