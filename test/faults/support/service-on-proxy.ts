import { randomBytes } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { startService, type ServiceProcess } from '../../support/service-process.js';
import { BOOTSTRAP_ID, BOOTSTRAP_SECRET, bootstrapEnv } from '../../integration/audit/audit-test-kit.js';
import { startTcpProxy, type TcpProxy } from '../../e2e/hardening/tcp-proxy.js';

export const bootstrap = { clientId: BOOTSTRAP_ID, clientSecret: BOOTSTRAP_SECRET };

/**
 * The suite's load comes from one address and one client, far above what the per-IP and
 * per-client defaults allow: the limits stay on (their code path runs) but high enough that a
 * 429 never hides what a fault did.
 */
export const LOAD_LIMITS = {
  RATE_LIMIT_TOKEN_PER_IP: '1000000',
  RATE_LIMIT_TOKEN_PER_CLIENT: '1000000',
  RATE_LIMIT_INTROSPECT_PER_IP: '1000000',
  RATE_LIMIT_INTROSPECT_PER_CLIENT: '1000000',
  RATE_LIMIT_ADMIN_PER_IP: '1000000',
};

export interface ServiceOnProxy {
  db: TestDatabase;
  proxy: TcpProxy;
  service: ServiceProcess;
  close(): Promise<void>;
}

/** One service process (dist/) on a fresh database of the shared PostgreSQL, reached only through a TCP proxy the test controls. */
export async function startServiceOnProxy(env: Record<string, string> = {}): Promise<ServiceOnProxy> {
  const db = await createTestDatabase();
  const target = new URL(db.url);
  const proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
  const viaProxy = new URL(db.url);
  viaProxy.hostname = '127.0.0.1';
  viaProxy.port = String(proxy.port);
  const service = await startService({
    DATABASE_URL: viaProxy.toString(),
    KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    ...bootstrapEnv(),
    ...LOAD_LIMITS,
    ...env,
  });
  return {
    db,
    proxy,
    service,
    async close() {
      await service.stop();
      await proxy.close();
      await db.drop();
    },
  };
}

/** True while the process runs (it was neither killed nor exited by itself). */
export function alive(service: ServiceProcess): boolean {
  return service.child.exitCode === null && service.child.signalCode === null;
}
