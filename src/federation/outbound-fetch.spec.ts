import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { guardedFetch, isSpecialUseAddress } from './outbound-fetch.js';

describe('the SSRF-guarded fetch for upstream calls', () => {
  let server: Server;
  let url: string;

  beforeAll(async () => {
    server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/x`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('refuses loopback unless OUTBOUND_ALLOW_LOOPBACK, and then reaches it', async () => {
    await expect(guardedFetch(false)(url)).rejects.toThrow(/special-use|https/);
    await expect((await guardedFetch(true)(url)).json()).resolves.toEqual({ ok: true });
    await expect((await guardedFetch(true)(url.replace('127.0.0.1', 'localhost'))).status).toBe(200);
  });

  it('refuses private addresses and plain http elsewhere, whatever the setting', async () => {
    await expect(guardedFetch(true)('https://10.1.2.3/jwks')).rejects.toThrow(/special-use/);
    await expect(guardedFetch(true)('https://[fd00::1]/jwks')).rejects.toThrow(/special-use/);
    await expect(guardedFetch(true)('http://login.hospital.example/jwks')).rejects.toThrow(/https/);
  });

  it('knows the special-use ranges', () => {
    for (const a of ['127.0.0.1', '10.0.0.1', '172.16.5.4', '192.168.1.1', '169.254.169.254', '::1', 'fe80::1', '::ffff:10.0.0.1']) {
      expect(isSpecialUseAddress(a), a).toBe(true);
    }
    for (const a of ['93.184.216.34', '2606:4700::1111']) expect(isSpecialUseAddress(a), a).toBe(false);
  });
});
