import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy on loopback between the service and PostgreSQL, so a test can make the database
 * vanish for the service alone (the machine's PostgreSQL, shared by other tests, is never touched).
 * cut(): every open connection is dropped and new ones are refused until restore().
 * reset(): the same, but each open connection gets a TCP RST, as a failover or a restarted
 * proxy in front of PostgreSQL gives it. setLatency(ms): every chunk in either direction is
 * held that long before it is passed on (a slow or distant database).
 */
export interface TcpProxy {
  port: number;
  cut(): void;
  reset(): void;
  restore(): void;
  setLatency(ms: number): void;
  /** Connections open through the proxy right now (each side counted once). */
  openConnections(): number;
  close(): Promise<void>;
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const clients = new Set<Socket>();
  let refusing = false;
  let latency = 0;
  const track = (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
  };
  /** Pipes from → to, delayed by the current latency, keeping the order of the chunks. */
  const forward = (from: Socket, to: Socket) => {
    let chain = Promise.resolve();
    from.on('data', (chunk: Buffer) => {
      if (latency === 0) {
        if (!to.destroyed) to.write(chunk);
        return;
      }
      const due = Date.now() + latency;
      chain = chain.then(
        () =>
          new Promise<void>((resolve) =>
            setTimeout(() => {
              if (!to.destroyed) to.write(chunk);
              resolve();
            }, Math.max(0, due - Date.now())),
          ),
      );
    });
  };
  const server: Server = createServer((client) => {
    track(client);
    if (refusing) {
      client.destroy();
      return;
    }
    clients.add(client);
    client.on('close', () => clients.delete(client));
    const upstream = connect(targetPort, targetHost);
    track(upstream);
    forward(client, upstream);
    forward(upstream, client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address !== 'object') throw new Error('proxy has no port');
  return {
    port: address.port,
    cut() {
      refusing = true;
      for (const s of sockets) s.destroy();
    },
    reset() {
      refusing = true;
      for (const s of sockets) {
        try {
          s.resetAndDestroy();
        } catch {
          s.destroy();
        }
      }
    },
    restore() {
      refusing = false;
    },
    setLatency(ms: number) {
      latency = ms;
    },
    openConnections: () => clients.size,
    close() {
      refusing = true;
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
