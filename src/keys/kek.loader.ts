import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import type { AppConfig } from '../config/index.js';
import { LocalKeyEncryptionKey, type KeyEncryptionKey } from './kek.js';

export interface LoadedKek {
  kek: KeyEncryptionKey;
  /** KEY_ENCRYPTION_KEY_PREVIOUS during a KEK rotation: unseals what the new key has not re-sealed yet. */
  previous?: KeyEncryptionKey;
  /** `environment`: from KEY_ENCRYPTION_KEY. `generated-file`: embedded mode's key kept beside the data. */
  source: 'environment' | 'generated-file';
  warning?: string;
}

/**
 * Rules: KEY_ENCRYPTION_KEY wins whenever it is set. Without it (allowed only with the embedded
 * database; config enforces that), a key is generated once into `<dataDir>/kek.key` (mode 0600)
 * and reused, with a loud warning: a key kept beside the data it protects protects little.
 */
export function loadKek(config: Pick<AppConfig, 'keyEncryptionKey' | 'keyEncryptionKeyPrevious' | 'dataDir'>): LoadedKek {
  if (config.keyEncryptionKey) {
    return {
      kek: new LocalKeyEncryptionKey(config.keyEncryptionKey),
      previous: config.keyEncryptionKeyPrevious ? new LocalKeyEncryptionKey(config.keyEncryptionKeyPrevious) : undefined,
      source: 'environment',
    };
  }
  const file = resolve(config.dataDir, 'kek.key');
  let key: Buffer;
  if (existsSync(file)) {
    key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
    if (key.length !== 32) throw new Error(`${file} does not hold a 32-byte base64 key; restore it or set KEY_ENCRYPTION_KEY`);
  } else {
    key = randomBytes(32);
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  }
  return {
    kek: new LocalKeyEncryptionKey(key),
    source: 'generated-file',
    warning:
      `KEY_ENCRYPTION_KEY is not set: private keys are sealed with a generated key stored in ${file}, beside the data it protects. ` +
      'This is for local development only; set KEY_ENCRYPTION_KEY (openssl rand -base64 32) from a secret store in production.',
  };
}
