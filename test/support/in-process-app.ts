import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../../src/app.factory.js';
import { loadConfig } from '../../src/config/index.js';
import { freePort } from './ports.js';

export interface RunningApp {
  app: NestFastifyApplication;
  url: string;
  close(): Promise<void>;
}

/** The real application, listening on a free loopback port, configured like the service is. */
export async function startApp(env: Record<string, string>): Promise<RunningApp> {
  const port = await freePort();
  const config = loadConfig({ PORT: String(port), LOG_LEVEL: 'silent', ...env });
  const app = await createApp(config, { logger: false });
  await app.listen({ port, host: 'localhost' });
  return { app, url: `http://localhost:${port}`, close: () => app.close() };
}

export function testKek(): string {
  return Buffer.alloc(32, 7).toString('base64');
}
