import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { AppModule } from '../app.module.js';
import { loadConfig } from '../config/index.js';
import { openDatabase, runMigrations } from '../database/index.js';
import { ApprovalsService } from '../approvals/index.js';
import { entities } from './entities.js';
import { KekRotationService, type KekRotationOutcome } from '../keys/index.js';

export class KekRotationUsageError extends Error {
  override name = 'KekRotationUsageError';
}

/**
 * `npm run keys:rotate-kek`: re-seals every signing key and secret under KEY_ENCRYPTION_KEY,
 * unwrapping with KEY_ENCRYPTION_KEY_PREVIOUS, from the same environment the service runs with.
 * It boots the application context (without listening) so the keys.kek.rotated event reaches
 * the same listeners (audit) as in the service. It refuses while the dualControl policy is on.
 */
export async function rotateKekFromEnvironment(env: NodeJS.ProcessEnv = process.env): Promise<KekRotationOutcome> {
  const config = loadConfig(env);
  if (!config.keyEncryptionKeyPrevious) {
    throw new KekRotationUsageError(
      'set KEY_ENCRYPTION_KEY to the new key-encryption key and KEY_ENCRYPTION_KEY_PREVIOUS to the one being retired',
    );
  }
  const db = await openDatabase(config, entities);
  let app: Awaited<ReturnType<typeof NestFactory.createApplicationContext>> | undefined;
  try {
    await runMigrations(db);
    app = await NestFactory.createApplicationContext(AppModule.forRoot(config, db), { bufferLogs: true, abortOnError: false });
    app.useLogger(app.get(Logger));
    // Dual control covers the KEK too: with it on, the rotation is asked for through the admin
    // API (POST /admin/v1/keys/kek/rotate) and runs when a second super-admin approves it.
    if (await app.get(ApprovalsService).dualControlOn()) {
      throw new KekRotationUsageError(
        'dual control is on: request the rotation with POST /admin/v1/keys/kek/rotate; it runs once another super-admin approves it',
      );
    }
    return await app.get(KekRotationService).rotateKek({ actor: { type: 'system', id: 'keys:rotate-kek' } });
  } finally {
    // Closing the context closes the database too (DatabaseModule's shutdown hook).
    if (app) await app.close();
    else await db.close();
  }
}
