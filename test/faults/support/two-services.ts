import { randomBytes } from 'node:crypto';
import { bootstrapEnv } from '../../integration/audit/audit-test-kit.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { freePort } from '../../support/ports.js';
import { startService, type ServiceProcess } from '../../support/service-process.js';
import { LOAD_LIMITS } from './service-on-proxy.js';

export interface TwoServices {
  db: TestDatabase;
  /** Both instances: one service (same database, KEK and public issuer), as behind a load balancer. */
  instances: [ServiceProcess, ServiceProcess];
  /** The issuer's origin: instance A's URL, which every token names whichever instance issued it. */
  issuer: string;
  close(): Promise<void>;
}

/**
 * Two service processes (dist/) on one fresh database of the shared PostgreSQL. Each one's
 * connections carry its name (`application_name` caduceus-a / caduceus-b), so a test can tell
 * from pg_stat_activity which instance holds an advisory lock.
 */
export async function startTwoServices(env: Record<string, string> = {}): Promise<TwoServices> {
  const db = await createTestDatabase();
  const portA = await freePort();
  const issuer = `http://localhost:${portA}`;
  const common = { KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64'), ISSUER: issuer, ...bootstrapEnv(), ...LOAD_LIMITS, ...env };
  const named = (name: string) => {
    const url = new URL(db.url);
    url.searchParams.set('application_name', name);
    return url.toString();
  };
  const a = await startService({ ...common, DATABASE_URL: named('caduceus-a') }, portA);
  const b = await startService({ ...common, DATABASE_URL: named('caduceus-b') });
  return {
    db,
    instances: [a, b],
    issuer,
    async close() {
      await Promise.all([a.stop(), b.stop()]);
      await db.drop();
    },
  };
}
