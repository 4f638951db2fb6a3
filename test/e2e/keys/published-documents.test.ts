import { request } from 'node:http';
import { beforeAll, describe, expect, it } from 'vitest';
import { adminCall, kidOf, registerMachineClient, useKeysInstance, type MachineClient } from './keys-harness.js';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw HTTP/1.1 request: fetch() cannot name another Host. */
function get(url: string, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path, method, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const kidsOf = (answer: Answer) => (JSON.parse(answer.body) as { keys: Array<{ kid: string }> }).keys.map((k) => k.kid);

/**
 * /jwks and the discovery document are served from a copy made once per published key set:
 * a relying party must still see a new key set from the first request after it changes, and
 * one request naming another host must not change the document everyone else is given.
 */
describe('published documents (/jwks, discovery)', () => {
  const a = useKeysInstance();
  let machine: MachineClient;

  beforeAll(async () => {
    machine = await registerMachineClient(a, ['key-admin']);
  });

  it('serves a rotated key set from the first request after the rotation, with a new ETag', async () => {
    // Asked twice: the second answer is the kept copy.
    const first = await get(a.url, '/jwks');
    const kept = await get(a.url, '/jwks');
    expect(kept.status).toBe(200);
    expect(kept.body).toBe(first.body);
    expect(kept.headers.etag).toBe(first.headers.etag);
    expect(kept.headers['content-type']).toBe('application/jwk-set+json; charset=utf-8');
    expect(kept.headers['cache-control']).toBe('public, max-age=300');
    const oldKid = kidsOf(kept)[0]!;

    const rotated = await adminCall(a.url, 'POST', '/admin/v1/keys/rotate', { token: await machine.adminToken(a.url, ['key-admin']), body: { immediate: true } });
    expect(rotated.status).toBe(200);
    const newKid = rotated.body.activeKid as string;
    expect(newKid).not.toBe(oldKid);

    const after = await get(a.url, '/jwks', { 'if-none-match': String(first.headers.etag) });
    expect(after.status).toBe(200);
    expect(kidsOf(after)).toContain(newKid);
    expect(after.headers.etag).not.toBe(first.headers.etag);
    // The copy of the new key set answers conditional requests for it.
    const again = await get(a.url, '/jwks', { 'if-none-match': String(after.headers.etag) });
    expect(again.status).toBe(304);
    expect(again.body).toBe('');
    expect(again.headers.etag).toBe(after.headers.etag);
    expect(kidOf(await machine.adminToken(a.url, ['key-admin']))).toBe(newKid);
  });

  it('drops a revoked key from /jwks at the first request after the revocation', async () => {
    await get(a.url, '/jwks');
    const token = await machine.adminToken(a.url, ['key-admin']);
    const victim = kidOf(token);
    expect(kidsOf(await get(a.url, '/jwks'))).toContain(victim);
    const revoked = await adminCall(a.url, 'POST', `/admin/v1/keys/${encodeURIComponent(victim)}/revoke`, { token, body: { reason: 'copied to a stolen laptop' } });
    expect(revoked.status).toBe(200);
    expect(kidsOf(await get(a.url, '/jwks'))).not.toContain(victim);
  });

  it('answers HEAD and CORS as the provider does, per request', async () => {
    const withOrigin = await get(a.url, '/jwks', { origin: 'https://chart.hospital.test' });
    expect(withOrigin.headers['access-control-allow-origin']).toBe('https://chart.hospital.test');
    expect(withOrigin.headers.vary).toBe('Origin');
    expect((await get(a.url, '/jwks')).headers['access-control-allow-origin']).toBe('*');
    const head = await get(a.url, '/jwks', {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect(head.headers['content-length']).toBe(withOrigin.headers['content-length']);
    // The service's own security headers are still on every answer.
    expect(head.headers['x-content-type-options']).toBe('nosniff');
    expect(head.headers['x-request-id']).toBeTruthy();
  });

  it('never gives one client the discovery document another Host header produced', async () => {
    const own = new URL(a.url).host;
    const poisoned = await get(a.url, '/.well-known/openid-configuration', { host: 'attacker.example' });
    expect(poisoned.status).toBe(200);
    for (let i = 0; i < 2; i++) {
      const doc = await get(a.url, '/.well-known/openid-configuration', { host: own });
      expect(doc.status).toBe(200);
      expect(doc.headers['content-type']).toBe('application/json; charset=utf-8');
      const body = JSON.parse(doc.body) as Record<string, string>;
      expect(body.issuer).toBe(a.url);
      expect(body.token_endpoint).toBe(`${a.url}/token`);
      expect(body.jwks_uri).toBe(`${a.url}/jwks`);
      expect(doc.body).not.toContain('attacker.example');
    }
    const head = await get(a.url, '/.well-known/openid-configuration', { host: own, origin: 'https://chart.hospital.test' }, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect(head.headers['access-control-allow-origin']).toBe('https://chart.hospital.test');
  });
});
