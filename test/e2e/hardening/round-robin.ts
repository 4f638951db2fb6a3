import { createServer, request, type Server } from 'node:http';

/**
 * The test's own load balancer: each request goes to the next instance in turn (or to the
 * pinned one), nothing sticky, headers and body passed through unchanged.
 */
export interface RoundRobin {
  /** Which instance (index) served each request, in order. */
  served: number[];
  pin(index: number | null): void;
  close(): Promise<void>;
}

export async function startRoundRobin(port: number, targets: string[]): Promise<RoundRobin> {
  const served: number[] = [];
  let next = 0;
  let pinned: number | null = null;
  const server: Server = createServer((req, res) => {
    const index = pinned ?? next++ % targets.length;
    served.push(index);
    const target = new URL(req.url ?? '/', targets[index]);
    const upstream = request(target, { method: req.method, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.rawHeaders);
      up.pipe(res);
    });
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    served,
    pin: (index) => (pinned = index),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
