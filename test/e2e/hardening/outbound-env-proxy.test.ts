import { execFile, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useDatabase } from '../../support/fixture.js';
import { freePort } from '../../support/ports.js';
import { spawnService } from '../../support/service-process.js';
import { testKek } from '../../support/in-process-app.js';

const OUTBOUND = fileURLToPath(new URL('../../../dist/src/outbound/outbound-http.js', import.meta.url));

/**
 * The built outbound client in a Node of its own (the global dispatcher is per process), asked to
 * call a name whose DNS answer is a private address. Prints what happened as one JSON line.
 */
const CALLER = `
const { createOutboundFetch } = await import(process.env.OUTBOUND);
if (process.env.GLOBAL_PROXY) {
  // What a library may do: route every fetch of the process through a proxy.
  const { ProxyAgent, setGlobalDispatcher } = await import('undici');
  setGlobalDispatcher(new ProxyAgent(process.env.GLOBAL_PROXY));
}
const lookup = (hostname, options, callback) => callback(null, [{ address: '10.20.30.40', family: 4 }]);
try {
  const fetch = createOutboundFetch({ policy: { allowLoopback: false, allowPrivate: [] }, lookup, connectTimeoutMs: 5000, timeoutMs: 10000 });
  try {
    const res = await fetch('https://ehr.hospital.test/api');
    console.log(JSON.stringify({ outcome: 'answered', status: res.status }));
  } catch (err) {
    console.log(JSON.stringify({ outcome: 'call failed', name: err.name, reason: err.reason ?? null, message: String(err.message) }));
  }
  await fetch.close();
} catch (err) {
  console.log(JSON.stringify({ outcome: 'not built', message: String(err.message) }));
}
`;

function runCaller(env: Record<string, string>): Promise<{ outcome: string; reason?: string; message?: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', CALLER],
      { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', OUTBOUND, ...env }, timeout: 60_000 },
      (err, stdout, stderr) => {
        const line = stdout.trim().split('\n').at(-1);
        if (!line) return reject(err ?? new Error(`no output: ${stderr}`));
        resolve(JSON.parse(line));
      },
    );
  });
}

/**
 * Node's own environment proxy (NODE_USE_ENV_PROXY with HTTPS_PROXY, Node 24) replaces fetch's
 * global dispatcher with an EnvHttpProxyAgent. Through a proxy the service would connect only to
 * the proxy, judge only the proxy's address, and let the proxy reach whatever the URL names,
 * private networks included. The outbound client refuses to be built that way, so the service does
 * not start, and the proxy never sees a request.
 */
describe('outbound calls under an environment proxy', () => {
  let proxy: Server;
  let proxyUrl: string;
  const seen: string[] = [];
  const db = useDatabase();
  let service: ChildProcess | undefined;

  beforeAll(async () => {
    // A forward proxy that records what it is asked to reach and reaches nothing.
    proxy = createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      res.writeHead(502).end();
    });
    proxy.on('connect', (req, socket) => {
      seen.push(`CONNECT ${req.url}`);
      socket.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    // Were the service to start after all, it must not outlive the test.
    if (service && service.exitCode === null && service.signalCode === null) service.kill('SIGKILL');
    proxy?.closeAllConnections();
    await new Promise<void>((resolve) => (proxy ? proxy.close(() => resolve()) : resolve()));
  });

  it('without NODE_USE_ENV_PROXY, HTTPS_PROXY is not used and a private destination is refused on the connection', async () => {
    seen.length = 0;
    const result = await runCaller({ HTTPS_PROXY: proxyUrl, HTTP_PROXY: proxyUrl });
    expect(result).toMatchObject({ outcome: 'call failed', reason: 'address_refused' });
    expect(result.message).toMatch(/10\.20\.30\.40 is a private address/);
    expect(seen).toEqual([]);
  });

  it('a proxy installed as the global dispatcher is not used either: the destination is still judged on the connection', async () => {
    seen.length = 0;
    const result = await runCaller({ GLOBAL_PROXY: proxyUrl });
    expect(result).toMatchObject({ outcome: 'call failed', reason: 'address_refused' });
    expect(result.message).toMatch(/10\.20\.30\.40 is a private address/);
    expect(seen).toEqual([]);
  });

  it('with NODE_USE_ENV_PROXY, the outbound client is not built, naming the setting, and nothing reaches the proxy', async () => {
    seen.length = 0;
    const result = await runCaller({ NODE_USE_ENV_PROXY: '1', HTTPS_PROXY: proxyUrl });
    expect(result.outcome).toBe('not built');
    expect(result.message).toMatch(/fetch dispatcher is EnvHttpProxyAgent, not a direct Agent/);
    expect(result.message).toMatch(/NODE_USE_ENV_PROXY/);
    expect(seen).toEqual([]);
  });

  it('the service refuses to start under NODE_USE_ENV_PROXY with one clear line', async () => {
    const { child, exited, output } = spawnService({
      PORT: String(await freePort()),
      DATABASE_URL: db.url,
      KEY_ENCRYPTION_KEY: testKek(),
      NODE_USE_ENV_PROXY: '1',
      HTTPS_PROXY: proxyUrl,
    });
    service = child;
    expect(await exited).not.toBe(0);
    const lines = output()
      .split('\n')
      .filter((l) => l.startsWith('caduceus:'));
    expect(lines).toEqual([expect.stringMatching(/^caduceus: cannot start: outbound HTTP: Node's fetch dispatcher is EnvHttpProxyAgent.*NODE_USE_ENV_PROXY/)]);
    expect(output()).not.toMatch(/\n\s+at /);
    expect(seen).toEqual([]);
  });
});
