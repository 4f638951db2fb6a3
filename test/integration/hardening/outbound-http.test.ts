import { lookup as dnsLookup } from 'node:dns';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PUBLIC_ONLY, type OutboundPolicy } from '../../../src/outbound/outbound-address.js';
import { createOutboundFetch, OutboundRefusedError, type OutboundFetch, type OutboundHttpOptions } from '../../../src/outbound/outbound-http.js';

/**
 * The shared outbound HTTP policy against a real server on 127.0.0.1: the loopback allowance,
 * redirects, the size cap, the timeout, and the address judged on the connection itself (a
 * name that resolves to 127.0.0.1 is refused although the URL names no private address).
 */
describe('the outbound HTTP policy', () => {
  let server: Server;
  let port: number;
  const requests: string[] = [];
  let connections = 0;
  const opened: OutboundFetch[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests.push(req.url!);
      switch (req.url) {
        case '/ok':
          return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
        case '/redirect':
          return void res.writeHead(302, { location: '/ok' }).end();
        case '/big': {
          // 2 MiB in chunks, no content-length: only counting the stream finds out.
          res.writeHead(200, { 'content-type': 'application/octet-stream' });
          const chunk = Buffer.alloc(64 * 1024, 0x61);
          let sent = 0;
          const more = () => {
            while (sent < 32) {
              sent++;
              if (!res.write(chunk)) return void res.once('drain', more);
            }
            res.end();
          };
          return more();
        }
        case '/big-declared':
          res.writeHead(200, { 'content-length': String(2 * 1024 * 1024) });
          return void res.write(Buffer.alloc(1024));
        case '/slow':
          return; // never answers
        case '/slow-body':
          res.writeHead(200, { 'content-type': 'application/json' });
          return void res.write('{"partial":'); // and nothing more
        default:
          return void res.writeHead(404).end();
      }
    });
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterEach(() => {
    requests.length = 0;
    connections = 0;
  });

  afterAll(async () => {
    await Promise.all(opened.map((f) => f.close().catch(() => undefined)));
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const loopbackAllowed: OutboundPolicy = { allowLoopback: true, allowPrivate: [] };
  function client(policy: OutboundPolicy, options: Partial<OutboundHttpOptions> = {}) {
    const refusals: OutboundRefusedError[] = [];
    const fetch = createOutboundFetch({ policy, onRefused: (r) => void refusals.push(r), ...options });
    opened.push(fetch);
    return { fetch, refusals };
  }
  /** A resolver that answers 127.0.0.1 for every name under .test, as a hostile DNS server could. */
  const rebinding = ((hostname: string, options: object, callback: (...args: unknown[]) => void) => {
    if (hostname.endsWith('.test')) return callback(null, [{ address: '127.0.0.1', family: 4 }]);
    return dnsLookup(hostname, options as never, callback as never);
  }) as unknown as typeof dnsLookup;

  it('refuses the local server when loopback is not allowed, before connecting', async () => {
    const { fetch, refusals } = client(PUBLIC_ONLY);
    await expect(fetch(`http://127.0.0.1:${port}/ok`)).rejects.toMatchObject({ name: 'OutboundRefusedError', reason: 'not_https' });
    await expect(fetch(`https://127.0.0.1:${port}/ok`)).rejects.toMatchObject({ reason: 'address_refused', address: '127.0.0.1' });
    await expect(fetch(`https://[::ffff:127.0.0.1]:${port}/ok`)).rejects.toMatchObject({ reason: 'address_refused' });
    expect(refusals.map((r) => r.reason)).toEqual(['not_https', 'address_refused', 'address_refused']);
    expect(connections).toBe(0);
  });

  it('reaches the local server when loopback is allowed, by address or as localhost', async () => {
    const { fetch, refusals } = client(loopbackAllowed);
    await expect((await fetch(`http://127.0.0.1:${port}/ok`)).json()).resolves.toEqual({ ok: true });
    const byName = await fetch(`http://localhost:${port}/ok`);
    expect(byName.status).toBe(200);
    await byName.body?.cancel();
    expect(refusals).toEqual([]);
  });

  it('refuses a name that resolves to 127.0.0.1 when only public addresses are allowed: judged on the connection', async () => {
    const { fetch, refusals } = client(PUBLIC_ONLY);
    // localhost through the system resolver: nothing in the URL is an address.
    await expect(fetch(`https://localhost:${port}/ok`)).rejects.toMatchObject({ reason: 'address_refused' });
    // A public-looking name whose DNS answer is 127.0.0.1: refused even with the loopback allowance,
    // which covers only hosts that are literally loopback.
    const rebound = client(loopbackAllowed, { lookup: rebinding });
    await expect(rebound.fetch(`https://idp.rebinding.test:${port}/ok`)).rejects.toMatchObject({ reason: 'address_refused', address: '127.0.0.1' });
    expect(connections).toBe(0);
    expect([...refusals, ...rebound.refusals].map((r) => r.message)).toEqual([
      expect.stringMatching(/localhost resolves to no allowed address .*loopback/),
      expect.stringMatching(/idp\.rebinding\.test resolves to no allowed address \(127\.0\.0\.1 is a loopback address\)/),
    ]);
  });

  it('connects to the address the check approved: an allowed network lets the same name through', async () => {
    const { fetch, refusals } = client({ allowLoopback: false, allowPrivate: ['127.0.0.0/8'] }, { lookup: rebinding });
    // The server speaks plain HTTP, so the TLS handshake fails: but only after the policy let the connection open.
    const failure = await fetch(`https://idp.rebinding.test:${port}/ok`).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(Error);
    expect(failure).not.toBeInstanceOf(OutboundRefusedError);
    expect(connections).toBe(1);
    expect(refusals).toEqual([]);
  });

  it('does not follow a redirect', async () => {
    const { fetch, refusals } = client(loopbackAllowed);
    await expect(fetch(`http://127.0.0.1:${port}/redirect`, { redirect: 'follow' })).rejects.toMatchObject({ reason: 'redirect_refused' });
    expect(requests).toEqual(['/redirect']);
    expect(refusals[0]?.message).toMatch(/answered 302/);
  });

  it('aborts a response over the size cap, whether declared or streamed', async () => {
    const { fetch, refusals } = client(loopbackAllowed, { maxResponseBytes: 64 * 1024 });
    await expect(fetch(`http://127.0.0.1:${port}/big-declared`)).rejects.toMatchObject({ reason: 'response_too_large' });
    const streamed = await fetch(`http://127.0.0.1:${port}/big`);
    expect(streamed.status).toBe(200);
    await expect(streamed.arrayBuffer()).rejects.toMatchObject({ reason: 'response_too_large' });
    expect(refusals.map((r) => r.reason)).toEqual(['response_too_large', 'response_too_large']);
    // Under the cap, a body arrives whole.
    await expect((await fetch(`http://127.0.0.1:${port}/ok`)).json()).resolves.toEqual({ ok: true });
  });

  it('gives up on a server that does not answer, or stops half-way through its body', async () => {
    const { fetch, refusals } = client(loopbackAllowed, { timeoutMs: 300 });
    await expect(fetch(`http://127.0.0.1:${port}/slow`)).rejects.toThrow();
    const partial = await fetch(`http://127.0.0.1:${port}/slow-body`);
    await expect(partial.text()).rejects.toThrow();
    expect(requests).toEqual(['/slow', '/slow-body']);
    expect(refusals).toEqual([]);
  });

  it('refuses URLs it could never call', async () => {
    const { fetch } = client(loopbackAllowed);
    await expect(fetch('ftp://files.example.org/x')).rejects.toMatchObject({ reason: 'not_https' });
    await expect(fetch('https://user:pw@idp.example.org/x')).rejects.toMatchObject({ reason: 'credentials_in_url' });
    await expect(fetch('https://169.254.169.254/latest/meta-data')).rejects.toMatchObject({ reason: 'address_refused' });
    await expect(fetch('https://[fd00::1]/jwks')).rejects.toMatchObject({ reason: 'address_refused' });
    await expect(fetch('http://idp.example.org/jwks')).rejects.toMatchObject({ reason: 'not_https' });
  });
});
